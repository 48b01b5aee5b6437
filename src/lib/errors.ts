import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The contract's error codes, each with the one status it answers. */
const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  tier_limit: 403,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * The one error type of the service; `app.onError` renders it as
 * `{"error": {"code", "message", "request_id"}}`.
 *
 * @example throw new ApiError("tier_limit", "free tier watches at most 1 platform")
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly headers: Record<string, string>;
  constructor(code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.headers = headers;
  }
  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string) => new ApiError("not_found", `${what} not found`);

export function errorBody(code: ErrorCode, message: string, requestId: string) {
  return { error: { code, message, request_id: requestId } };
}

/**
 * SQLSTATE classes that mean "the database is not there", not "the request is wrong": connection
 * exceptions (08), shutdown (57P0x), insufficient resources (53), and 57014 — a statement the
 * pool's statement_timeout cancelled (a hung or overloaded server: the caller retries).
 */
const UNAVAILABLE_SQLSTATE = /^(08|57P0|53|57014$)/;
const UNAVAILABLE_NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "CONNECTION_ENDED",
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/** Walks an error's cause chain (drizzle wraps driver errors) for a property. */
export function findErrorProp(err: unknown, prop: "code" | "constraint_name" | "constraint"): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e && typeof e === "object"; i++) {
    const v = (e as Record<string, unknown>)[prop];
    if (typeof v === "string") return v;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isUnavailableError(err: unknown): boolean {
  const code = findErrorProp(err, "code");
  if (!code) return false;
  return UNAVAILABLE_NODE_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code);
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (findErrorProp(err, "code") !== "23505") return false;
  if (!constraint) return true;
  const name = findErrorProp(err, "constraint_name") ?? findErrorProp(err, "constraint");
  return name === constraint;
}
