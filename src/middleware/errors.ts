import type { ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError, errorBody, isUnavailableError } from "../lib/errors";
import type { Logger } from "../lib/log";
import type { AppEnv } from "./context";

/**
 * Hono's own validators throw HTTPException (malformed JSON: 400; a body that is not JSON: 415),
 * which the error handler would otherwise render as a 500. They become the contract's errors: bad
 * input is a 400 `invalid_request`, never a 500 (the contract has no 415).
 */
export function fromHttpException(err: HTTPException): ApiError {
  if (err.status === 401) return new ApiError("unauthorized", err.message || "unauthorized");
  if (err.status === 413) return new ApiError("payload_too_large", err.message || "payload too large");
  if (err.status === 415) return new ApiError("invalid_request", "body: must be JSON (content-type: application/json)");
  if (err.status === 400 && /json/i.test(err.message)) return new ApiError("invalid_request", "body: not valid JSON");
  return new ApiError("invalid_request", err.message || "invalid request");
}

/**
 * The one error path: an ApiError is its contract answer; a database that cannot answer is a 503
 * with Retry-After (never a crash, never a 500); anything else is logged with its stack and
 * answered 500 without details.
 */
export function errorHandler(log: Logger): ErrorHandler<AppEnv> {
  return (err, c) => {
    const rid = c.get("requestId") ?? "unknown";
    if (err instanceof HTTPException && err.status < 500) err = fromHttpException(err);
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(errorBody(err.code, err.message, rid), err.status);
    }
    if (isUnavailableError(err)) {
      log.warn("database unavailable", { request_id: rid, error: String(err) });
      c.header("Retry-After", "5");
      return c.json(errorBody("unavailable", "the database is unavailable; retry shortly", rid), 503);
    }
    log.error("unhandled error", { request_id: rid, path: c.req.path, error: err instanceof Error ? err.stack : String(err) });
    return c.json(errorBody("internal", "internal error", rid), 500);
  };
}

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`, c.get("requestId") ?? "unknown"), 404);
