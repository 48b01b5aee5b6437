import { eq } from "drizzle-orm";
import { testClient } from "hono/testing";
import { Webhook } from "standardwebhooks";
import { expect } from "vitest";
import { createApp } from "../../src/app";
import { events } from "../../src/db/schema";
import type { Database } from "../../src/db/types";
import { createMetrics } from "../../src/delivery/metrics";
import type { Deps } from "../../src/deps";
import { drainFanout } from "../../src/ingest/fanout-worker";
import { fixedClock } from "../../src/lib/clock";
import { createKeys, randomBytes, toBase64 } from "../../src/lib/crypto";
import { createLogger } from "../../src/lib/log";
import { openTestDatabase } from "./db";

export type TestClock = ReturnType<typeof fixedClock>;

export interface TestContext {
  app: ReturnType<typeof createApp>;
  deps: Deps;
  database: Database;
  clock: TestClock;
  adminToken: string;
  ingestSecret: string;
  close(): Promise<void>;
}

export async function createTestContext(
  over: Omit<Partial<Deps>, "config"> & {
    database?: Database;
    allowPrivateWebhooks?: boolean;
    config?: Partial<Deps["config"]>;
  } = {},
): Promise<TestContext> {
  const { allowPrivateWebhooks = false, config: overConfig, ...overDeps } = over;
  const database = over.database ?? (await openTestDatabase());
  const clock = fixedClock(new Date());
  const adminToken = `adm_${toBase64(randomBytes(18))}`;
  const ingestSecret = `whsec_${toBase64(randomBytes(32))}`;
  const deps: Deps = {
    database,
    clock,
    keys: await createKeys(randomBytes(32)),
    config: {
      adminToken,
      ingestSecret,
      publicUrl: "http://clausewatch.test",
      allowPrivateWebhookTargets: allowPrivateWebhooks,
      // Every app.request shares one address ("unknown"): tests that are not about rate limits
      // must never meet one. Rate-limit tests pass their own.
      rateLimitPerMinute: 100_000,
      publicRateLimitPerMinute: 100_000,
      ...overConfig,
    },
    metrics: createMetrics(),
    // errors only: a 500 in a test shows its stack
    log: createLogger("error", (line) => console.error(line)),
    ...overDeps,
  };
  const app = createApp(deps);
  return { app, deps, database, clock, adminToken, ingestSecret, close: () => database.close() };
}

let seq = 0;
/** A unique suffix per call, so tests sharing a PostgreSQL database never see each other's rows. */
export const uniq = (prefix = "t") => `${prefix}-${process.pid}-${Date.now().toString(36)}-${(seq++).toString(36)}`;

type Json = Record<string, unknown>;

/**
 * The app as a typed client (hono/testing): paths, methods, request bodies and each status's
 * response body are checked against the route definitions, so a test cannot post a field the
 * route does not take or read one it does not answer.
 *
 * @example const res = await api(ctx, user.key).v1.watchlist.$post({ json: { platform: "anthropic" } });
 *          if (res.status === 201) (await res.json()).id;
 */
export function api(ctx: TestContext, token?: string) {
  return testClient(ctx.app, undefined, undefined, token ? { headers: { authorization: `Bearer ${token}` } } : {});
}

/** A typed client's response: its status is a literal, and json() answers that status's body. */
type TypedResponse = { status: number; json(): Promise<unknown>; clone(): Response };

/**
 * Asserts the response's status (showing the body when it differs) and answers the body, typed
 * as the route documents it for that status.
 *
 * @example const w = await bodyOf(await api(ctx, u.key).v1.watchlist.$post({ json }), 201); w.id
 */
export async function bodyOf<R extends TypedResponse, S extends R["status"]>(
  res: R,
  status: S,
): Promise<Awaited<ReturnType<Extract<R, { status: S }>["json"]>>> {
  expect(res.status, res.status === status ? undefined : await res.clone().text()).toBe(status);
  return (await res.json()) as Awaited<ReturnType<Extract<R, { status: S }>["json"]>>;
}

export async function call(
  ctx: TestContext,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers["content-type"] = "application/json";
    body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
  }
  const res = await ctx.app.request(path, { method, headers, body });
  const text = await res.text();
  let json: Json = {};
  try {
    json = text ? (JSON.parse(text) as Json) : {};
  } catch {
    json = { text };
  }
  return { status: res.status, json, headers: res.headers };
}

export interface TestUser {
  id: string;
  key: string;
  email: string;
}

export async function createUser(ctx: TestContext, body: Json = {}): Promise<TestUser> {
  const email = (body.email as string | undefined) ?? `${uniq("user")}@example.com`;
  const res = await call(ctx, "POST", "/v1/admin/users", { token: ctx.adminToken, body: { email, ...body } });
  if (res.status !== 201) throw new Error(`createUser: ${res.status} ${JSON.stringify(res.json)}`);
  const user = res.json.user as { id: string };
  return { id: user.id, key: res.json.api_key as string, email };
}

export async function watch(ctx: TestContext, user: TestUser, body: Json) {
  const res = await call(ctx, "POST", "/v1/watchlist", { token: user.key, body });
  if (res.status !== 201) throw new Error(`watch: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

/** Signs like the pipeline does (Standard Webhooks) and posts the raw body. */
export async function postEvent(
  ctx: TestContext,
  event: unknown,
  opts: { secret?: string; timestamp?: Date; raw?: string; msgId?: string; fanOut?: boolean } = {},
) {
  const raw = opts.raw ?? JSON.stringify(event);
  const msgId = opts.msgId ?? `msg_${uniq()}`;
  // the service checks the ±5 min window against its injected clock
  const ts = opts.timestamp ?? ctx.clock.now();
  const signature = new Webhook(opts.secret ?? ctx.ingestSecret).sign(msgId, ts, raw);
  const res = await ctx.app.request("/v1/events", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": msgId,
      "webhook-timestamp": String(Math.floor(ts.getTime() / 1000)),
      "webhook-signature": signature,
    },
    body: raw,
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    json = { text };
  }
  const drain = res.status === 202 && opts.fanOut !== false;
  return { status: res.status, json, fanout: drain ? await fannedOut(ctx, String(json.event_id)) : null };
}

/**
 * Runs the fan-out to completion (what the service's worker does within a second) and answers
 * what it did for this event, as `GET /v1/admin/events/{id}` reports it.
 */
export async function fannedOut(ctx: TestContext, eventId: string) {
  await drainFanout(ctx.database.db, ctx.clock, ctx.deps.log);
  const [e] = await ctx.database.db
    .select({ matched_users: events.matchedUsers, alerts: events.alerts, digest_items: events.digestItems })
    .from(events)
    .where(eq(events.id, eventId));
  if (!e || e.matched_users === null) throw new Error(`event ${eventId} was not fanned out`);
  return { matched_users: e.matched_users, alerts: e.alerts ?? 0, digest_items: e.digest_items ?? 0 };
}
