import type { Database } from "../db/types";
import { createDispatcher, type Dispatcher } from "../delivery/dispatcher";
import { createOutboxMetrics } from "../delivery/metrics-outbox";
import type { Deps } from "../deps";
import { appConfig, type Env, parseEnv } from "../env";
import { systemClock } from "../lib/clock";
import { createKeys, decodeSecretKey, type Keys } from "../lib/crypto";
import { createLogger, type Logger } from "../lib/log";
import type { ExecutionContext, WorkerEnv } from "./bindings";
import { NO_EMAIL_PROVIDER, workerChannels } from "./channels";
import { openWorkerDatabase } from "./database";
import { sweepDue } from "./pipeline";
import { durableRateLimits } from "./rate-limit-store";

/** Secrets a Worker must be given: it has no DATA_DIR to generate and keep them in. */
const REQUIRED = ["ADMIN_TOKEN", "INGEST_SECRET", "SECRET_KEY", "PUBLIC_URL"] as const;

/** What does not change between requests of an isolate: parsed configuration and derived keys. */
export interface WorkerBase {
  env: Env;
  publicUrl: string;
  adminToken: string;
  ingestSecret: string;
  keys: Keys;
  log: Logger;
}

export class WorkerConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
  }
}

const bases = new WeakMap<WorkerEnv, Promise<WorkerBase>>();

/**
 * Parses the Worker's vars and secrets with the same schema as `npm start` (env.ts), once per
 * isolate: only string values are configuration, the rest are bindings.
 */
export function workerBase(bindings: WorkerEnv): Promise<WorkerBase> {
  let base = bases.get(bindings);
  if (!base) {
    base = (async () => {
      const strings = Object.fromEntries(Object.entries(bindings).filter((e): e is [string, string] => typeof e[1] === "string"));
      const parsed = parseEnv(strings);
      const missing = REQUIRED.filter((name) => !strings[name]).map(
        (name) => `${name}: required in the Worker (wrangler secret put ${name})`,
      );
      if (!parsed.ok || missing.length) throw new WorkerConfigError([...(parsed.ok ? [] : parsed.problems), ...missing]);
      const env = parsed.env;
      return {
        env,
        publicUrl: env.PUBLIC_URL as string,
        adminToken: env.ADMIN_TOKEN as string,
        ingestSecret: env.INGEST_SECRET as string,
        keys: await createKeys(decodeSecretKey(env.SECRET_KEY as string)),
        log: createLogger(env.LOG_LEVEL),
      };
    })();
    // a bad configuration is reported on every request, not cached as a rejected promise forever
    base.catch(() => bases.delete(bindings));
    bases.set(bindings, base);
  }
  return base;
}

/** Hyperdrive's connection string, or the direct URL the Workers-runtime tests give. */
export function databaseFor(bindings: WorkerEnv): Database {
  const url = bindings.HYPERDRIVE?.connectionString ?? bindings.DIRECT_DATABASE_URL;
  if (!url) throw new WorkerConfigError(["HYPERDRIVE: no Hyperdrive binding (see wrangler.toml)"]);
  return openWorkerDatabase(url);
}

/**
 * The app's dependencies for one request, from the bindings: a database client of its own, rate
 * limits counted in Durable Objects, the client address from `CF-Connecting-IP`, and wake-ups
 * that become queue messages sent after the answer (`waitUntil`).
 */
export async function requestDeps(bindings: WorkerEnv, ctx: ExecutionContext): Promise<Deps> {
  const base = await workerBase(bindings);
  const { env, log } = base;
  const database = databaseFor(bindings);
  const later = (what: string, p: Promise<unknown>) =>
    ctx.waitUntil(p.catch((err) => log.warn(`${what} failed; the cron sweep will catch up`, { error: String(err) })));
  return {
    database,
    clock: systemClock,
    keys: base.keys,
    log,
    metrics: createOutboxMetrics(),
    rateLimits: durableRateLimits(bindings.RATE_LIMITER, {
      userPerMinute: env.RATE_LIMIT_PER_MINUTE,
      publicPerMinute: env.PUBLIC_RATE_LIMIT_PER_MINUTE,
    }),
    // Cloudflare sets it on every request; TRUST_PROXY's X-Forwarded-For is not used in a Worker
    remoteAddress: (c) => c.req.header("cf-connecting-ip") ?? undefined,
    onAccepted: (eventId) => later("fan-out enqueue", bindings.FANOUT_QUEUE.send({ event_id: eventId })),
    onQueued: () => later("delivery enqueue", sweepDue(database.db, bindings.DELIVERY_QUEUE, systemClock.now())),
    config: appConfig(env, {
      adminToken: base.adminToken,
      ingestSecret: base.ingestSecret,
      publicUrl: base.publicUrl,
      // Cloudflare's CF-Connecting-IP is the client address; X-Forwarded-For is not used in a Worker
      trustProxy: false,
    }),
  };
}

/** The dispatcher of one delivery batch: the same claim, lease, fence and retry rules as Node's. */
export function batchDispatcher(base: WorkerBase, database: Database): Dispatcher {
  const metrics = createOutboxMetrics();
  // Emails without RESEND_API_KEY are held by design (channels.ts), not refused by the provider
  if (!base.env.RESEND_API_KEY) metrics.setHeld("email", true, NO_EMAIL_PROVIDER);
  return createDispatcher({
    database,
    channels: workerChannels(base.env, base.publicUrl, base.log),
    keys: base.keys,
    clock: systemClock,
    log: base.log,
    metrics,
    publicUrl: base.publicUrl,
    pipelineDepth: 1,
  });
}
