import { OpenAPIHono, z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { Metrics } from "../delivery/metrics";
import type { Deps } from "../deps";
import { ApiError } from "../lib/errors";
import type { AuthedUser } from "./auth";

export type AppEnv = {
  Variables: {
    deps: Deps & { metrics: Metrics };
    requestId: string;
    user: AuthedUser;
  };
};

/** Renders zod issues as one message that names the fields. */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const lines = issues.map((i) => `${i.path.map(String).join(".") || "body"}: ${i.message}`);
  return [...new Set(lines)].slice(0, 5).join("; ");
}

/**
 * Hono's own validators throw HTTPException (malformed JSON: 400; a body that is not JSON: 415),
 * which app.onError would render as a 500. They become the contract's errors instead: bad input
 * is a 400 `invalid_request`, never a 500 (the contract has no 415).
 */
export function fromHttpException(err: HTTPException): ApiError {
  if (err.status === 401) return new ApiError("unauthorized", err.message || "unauthorized");
  if (err.status === 413) return new ApiError("payload_too_large", err.message || "payload too large");
  if (err.status === 415) return new ApiError("invalid_request", "body: must be JSON (content-type: application/json)");
  if (err.status === 400 && /json/i.test(err.message)) return new ApiError("invalid_request", "body: not valid JSON");
  return new ApiError("invalid_request", err.message || "invalid request");
}

/** A router whose validation failures go through the one error path. */
export function createRouter() {
  const router = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw new ApiError("invalid_request", describeIssues(result.error.issues));
    },
  });
  // A sub-router's error handler runs first; what it throws reaches app.onError, which renders ApiError.
  router.onError((err) => {
    if (err instanceof HTTPException && err.status < 500) throw fromHttpException(err);
    throw err;
  });
  return router;
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_request" }),
      message: z.string(),
      request_id: z.string(),
    }),
  })
  .openapi("Error");

const err = (description: string) => ({ description, content: { "application/json": { schema: ErrorSchema } } });

/** Error responses for the OpenAPI document. */
export const errors = {
  400: err("Invalid request: `message` names the field"),
  401: err("Missing or invalid credentials"),
  403: err("The tier does not allow it (`tier_limit`), or forbidden"),
  404: err("Not found (also another user's resource)"),
  409: err("Conflict"),
  413: err("Payload too large"),
  429: {
    ...err("Rate limited (`rate_limited`): this key's or address's per-minute budget is spent"),
    headers: {
      "Retry-After": { description: "Seconds until the budget allows a request again", schema: { type: "integer" as const } },
      RateLimit: {
        description: 'The remaining budget, e.g. `"user";r=0;t=42` (draft-ietf-httpapi-ratelimit-headers)',
        schema: { type: "string" as const },
      },
      "RateLimit-Policy": { description: 'The budget, e.g. `"user";q=600;w=60`', schema: { type: "string" as const } },
    },
  },
  503: err("Database unavailable; retry"),
};

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** Ids are opaque but printable ASCII; anything else (NUL included) is refused before it reaches SQL. */
export const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\x21-\x7e]+$/, "must be an id")
    .openapi({ param: { name: "id", in: "path" } }),
});

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ example: 50 }),
  cursor: z.string().max(500).optional(),
});

export const listOf = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), next_cursor: z.string().nullable() }).openapi(name);

export const bearer = [{ bearerAuth: [] }];
