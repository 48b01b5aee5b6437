import { getConnInfo } from "@hono/node-server/conninfo";
import { Redis } from "ioredis";
import type { Logger } from "../lib/log";
import type { RemoteAddress } from "./rate-limit";

/**
 * The Node-only halves of rate limiting, imported by src/index.ts (and tests that serve for real):
 * the socket's peer address and the Redis client behind shared counters.
 */

/** The socket's peer; undefined when there is no socket (a request made with `app.request`). */
export const nodeRemoteAddress: RemoteAddress = (c) => {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
};

const REDIS_WARNING_EVERY_MS = 60_000;

/**
 * An ioredis client for rate-limit counters that never crashes or stalls the service: connection
 * errors are logged (at most once a minute) instead of thrown as an unhandled 'error' event;
 * commands are never queued while disconnected and time out quickly, so a request falls through to
 * the in-memory insurance limiter instead of waiting for Redis; reconnection keeps trying in the
 * background. Close it with `disconnect()` on shutdown — an open socket keeps Node alive.
 *
 * @example const redis = createRedisClient(env.REDIS_URL, log);
 */
export function createRedisClient(url: string, log: Logger, opts: { connectTimeoutMs?: number } = {}): Redis {
  const client = new Redis(url, {
    connectTimeout: opts.connectTimeoutMs ?? 2_000,
    commandTimeout: 500,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
  });
  let warnedAt = Number.NEGATIVE_INFINITY;
  client.on("error", (err: Error) => {
    const now = Date.now();
    if (now - warnedAt < REDIS_WARNING_EVERY_MS) return;
    warnedAt = now;
    // The URL may carry a password: log the error only.
    log.warn("redis unavailable; rate limits count per process until it returns", { error: err.message });
  });
  client.on("ready", () => {
    if (warnedAt > Number.NEGATIVE_INFINITY) log.info("redis reachable again; rate limits shared");
    warnedAt = Number.NEGATIVE_INFINITY;
  });
  return client;
}
