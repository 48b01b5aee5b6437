import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import { ApiError } from "../lib/errors";
import type { Logger } from "../lib/log";
import type { AppEnv } from "./context";

/**
 * Per-minute budgets (the contract's "Rate limits"). Counting is rate-limiter-flexible's; this file
 * only picks the key, writes the headers and turns a rejection into `429 rate_limited`. It imports
 * nothing Node-only (ioredis is a type here): the Node entry injects the Redis client and the socket
 * address (rate-limit-node.ts), a Workers entry will inject its own store and `CF-Connecting-IP`.
 */

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;
export const DEFAULT_PUBLIC_RATE_LIMIT_PER_MINUTE = 60;

/**
 * Public pages and forms, limited per client address. One list so new public routes (sign-up,
 * sign-in links) are added in one place; a pattern may overlap another (`/preferences/*` also
 * matches `/preferences`) — a request is still counted once.
 */
export const PUBLIC_RATE_LIMITED_PATHS = [
  "/preferences",
  "/preferences/*",
  "/unsubscribe/*",
  "/verify-email/*",
  "/slack/*",
  "/manage/*",
  "/signin/*",
  "/v1/signup",
  "/signup/*",
] as const;

/** What a limiter answers (rate-limiter-flexible's RateLimiterRes has these fields). */
export interface LimiterState {
  remainingPoints: number;
  msBeforeNext: number;
}

/**
 * The narrow face of a rate-limiter-flexible limiter: `consume` resolves while the key has points
 * left and rejects with a LimiterState once it has none (any other rejection is a store failure).
 */
export interface Limiter {
  readonly points: number;
  /** window in seconds */
  readonly duration: number;
  consume(key: string): Promise<LimiterState>;
}

export interface RateLimits {
  /** per authenticated user (every API key of theirs) */
  user: Limiter;
  /** per client address, on PUBLIC_RATE_LIMITED_PATHS */
  public: Limiter;
}

/** The peer address of the connection, when the runtime has one (undefined through `app.request`). */
export type RemoteAddress = (c: Context) => string | undefined;

export interface RateLimitOptions {
  userPerMinute: number;
  publicPerMinute: number;
  /** window length; 60 s in production, shorter in tests that watch a budget come back */
  windowSeconds?: number;
  /** shared counters for every replica; unset → this process counts alone */
  redis?: Redis;
  /** distinguishes deployments (and test runs) sharing one Redis */
  keyPrefix?: string;
  log?: Logger;
}

const STORE_WARNING_EVERY_MS = 60_000;

/**
 * Builds both limiters. With Redis, each gets an in-memory insurance limiter: while Redis is
 * unreachable the budgets are counted per process (looser, never a 500), with a warning at most
 * once a minute per limiter.
 *
 * @example const limits = createRateLimits({ userPerMinute: 600, publicPerMinute: 60, redis, log });
 */
export function createRateLimits(opts: RateLimitOptions): RateLimits {
  const duration = opts.windowSeconds ?? 60;
  const prefix = opts.keyPrefix ?? "clausewatch:rl";
  const build = (name: keyof RateLimits, points: number): Limiter => {
    const keyPrefix = `${prefix}:${name}`;
    if (!opts.redis) return new RateLimiterMemory({ points, duration, keyPrefix });
    let warnedAt = Number.NEGATIVE_INFINITY;
    const insurance = new InsuranceLimiter({ points, duration, keyPrefix }, () => {
      const now = Date.now();
      if (now - warnedAt < STORE_WARNING_EVERY_MS) return;
      warnedAt = now;
      opts.log?.warn("rate-limit store unreachable; counting per process", { limiter: name });
    });
    return new RateLimiterRedis({
      storeClient: opts.redis,
      points,
      duration,
      keyPrefix,
      insuranceLimiter: insurance,
      // ioredis would otherwise queue the command until Redis is back, holding the request.
      rejectIfRedisNotReady: true,
    });
  };
  return { user: build("user", opts.userPerMinute), public: build("public", opts.publicPerMinute) };
}

/** The library calls the insurance limiter only when the store failed, so a call is the signal. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    opts: { points: number; duration: number; keyPrefix: string },
    private readonly onUse: () => void,
  ) {
    super(opts);
  }
  override consume(...args: Parameters<RateLimiterMemory["consume"]>) {
    this.onUse();
    return super.consume(...args);
  }
}

/**
 * The address a public budget is keyed by. Behind a trusted proxy (TRUST_PROXY) it is the last
 * `X-Forwarded-For` hop — the one the proxy itself appended; earlier hops are whatever the client
 * sent and would let anyone pick a fresh budget. Otherwise only the socket counts and the header
 * is ignored.
 */
function clientAddress(c: Context, trustProxy: boolean, remote?: RemoteAddress): string {
  if (trustProxy) {
    const hops = (c.req.header("x-forwarded-for") ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter(Boolean);
    const last = hops.at(-1);
    if (last) return normalizeAddress(last);
  }
  const socket = remote?.(c);
  return socket ? normalizeAddress(socket) : "unknown";
}

/** Dual-stack sockets report IPv4 peers as `::ffff:a.b.c.d`; one client, one key. */
function normalizeAddress(addr: string): string {
  return addr.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
}

// draft-ietf-httpapi-ratelimit-headers-11 (May 2026), sections 3 and 4: structured-field lists
// `RateLimit-Policy: "<name>";q=<quota>;w=<window s>` and `RateLimit: "<name>";r=<remaining>;t=<s>`.
function limitHeaders(policy: keyof RateLimits, limiter: Limiter, state: LimiterState): Record<string, string> {
  const reset = Math.max(0, Math.ceil(state.msBeforeNext / 1000));
  return {
    "RateLimit-Policy": `"${policy}";q=${limiter.points};w=${limiter.duration}`,
    RateLimit: `"${policy}";r=${Math.max(0, state.remainingPoints)};t=${reset}`,
  };
}

function isLimiterState(v: unknown): v is LimiterState {
  return (
    typeof v === "object" &&
    v !== null &&
    !(v instanceof Error) &&
    typeof (v as LimiterState).msBeforeNext === "number" &&
    typeof (v as LimiterState).remainingPoints === "number"
  );
}

const counted = new WeakSet<Request>();

async function enforce(c: Context<AppEnv>, policy: keyof RateLimits, key: string, what: string): Promise<void> {
  const limits = c.get("deps").rateLimits;
  if (!limits) throw new Error("rate limits missing: build the app with createApp, which supplies them");
  const limiter = limits[policy];
  let state: LimiterState;
  try {
    state = await limiter.consume(key);
  } catch (err) {
    if (!isLimiterState(err)) {
      // A store without insurance failed: limiting protects the service, it must not take it down.
      c.get("deps").log.warn("rate limiter failed; request let through", { limiter: policy, error: String(err) });
      return;
    }
    const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
    throw new ApiError(
      "rate_limited",
      `too many requests: at most ${limiter.points} per ${limiter.duration} s ${what}; retry in ${retryAfter} s`,
      { ...limitHeaders(policy, limiter, err), "Retry-After": String(retryAfter) },
    );
  }
  for (const [name, value] of Object.entries(limitHeaders(policy, limiter, state))) c.header(name, value);
}

/**
 * Public pages: PUBLIC_RATE_LIMIT_PER_MINUTE per client address.
 *
 * @example for (const path of PUBLIC_RATE_LIMITED_PATHS) app.use(path, publicRateLimit);
 */
export const publicRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  if (counted.has(c.req.raw)) return next();
  counted.add(c.req.raw);
  const { config, remoteAddress } = c.get("deps");
  await enforce(c, "public", clientAddress(c, config.trustProxy ?? false, remoteAddress), "per address");
  await next();
});

/**
 * User API routes: RATE_LIMIT_PER_MINUTE per user, run by requireUser once the key is known.
 * Keyed by the user id rather than the key's hash: a user has one live key, and rotating it
 * (`POST /v1/me/api-key`) must not hand out a fresh budget.
 *
 * @example c.set("user", user); await userRateLimit(c, next);
 */
export const userRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  await enforce(c, "user", c.get("user").id, "per API key");
  await next();
});
