import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import { timeout } from "hono/timeout";
import { ApiError } from "../lib/errors";
import type { AppEnv } from "./context";

/** Bodies are small everywhere but ingest (1 MiB, checked by its own route before parsing). */
const MAX_BODY_BYTES = 256 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/** Operator jobs and the audit export may run long: the deadline does not apply to them. */
const UNBOUNDED_PREFIXES = ["/v1/admin/jobs/", "/v1/audit/"];

/**
 * A request the database cannot answer (down, or a half-open connection the pool has not yet
 * dropped: db/deadline-socket.ts) gets 503 + Retry-After at the deadline instead of hanging.
 * The timed-out handler may still finish in the background: writes are idempotent where a
 * retry could repeat them (ingest by event id).
 */
export function requestDeadline(ms: number) {
  const deadline = timeout(
    ms,
    () => new HTTPException(503, { message: `no answer within ${ms} ms`, cause: { code: "ETIMEDOUT" } }),
  );
  return createMiddleware<AppEnv>(async (c, next) => {
    if (UNBOUNDED_PREFIXES.some((p) => c.req.path.startsWith(p))) return next();
    return deadline(c, next);
  });
}

const smallBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError("payload_too_large", `request bodies are at most ${MAX_BODY_BYTES} bytes`, { Connection: "close" });
  },
});

/**
 * Caps request bodies (ingest has its own 1 MiB check). An answer given while body bytes are still
 * on the wire (a 413 here, or a 401/404/429 from a handler that never read the body) says
 * `Connection: close`: the server then closes after answering, where a keep-alive answer would
 * leave the client reusing a connection that the server tears down (@hono/node-server drains an
 * unread body for at most 500 ms, then destroys it).
 */
export const limitBody = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.path === "/v1/events") await next();
  else await smallBody(c, next);
  const { headers, bodyUsed } = c.req.raw;
  const sentBody = headers.has("transfer-encoding") || (headers.get("content-length") ?? "0") !== "0";
  if (sentBody && !bodyUsed) c.header("Connection", "close");
});
