import { OpenAPIHono, type RouteConfig, type RouteHandler, z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { ApiError } from "../lib/errors";
import { describeIssues } from "../lib/validation";
import type { AppEnv } from "../middleware/context";
import { fromHttpException } from "../middleware/errors";
import { SESSION_COOKIE } from "../middleware/session";

/**
 * A handler typed by its route definition: `c.req.valid(...)` knows the request schemas and
 * `c.json(body, status)` is checked against the declared responses.
 */
export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppEnv>;

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

const ErrorSchema = z
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

/** A JSON answer; `example` (typed by the caller against the schema) shows in the reference. */
export const json = <T extends z.ZodType>(schema: T, description: string, example?: z.infer<T>) => ({
  description,
  content: { "application/json": { schema, ...(example === undefined ? {} : { example }) } },
});

/** Named request examples; the reference offers them as a choice. */
type Examples = Record<string, { summary: string; value: unknown }>;

export const jsonBody = <T extends z.ZodType>(schema: T, examples?: Examples) => ({
  required: true,
  content: { "application/json": { schema, ...(examples ? { examples } : {}) } },
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

/**
 * The document's security schemes, registered once in app.ts; every operation names one of the
 * requirements below (an empty list means no credentials), so a reader and a linter never have to
 * guess which routes are open.
 */
export const securitySchemes = {
  bearerAuth: {
    type: "http",
    scheme: "bearer",
    description: "A user's API key, issued once when the operator creates the user (`POST /v1/admin/users`).",
  },
  adminBearer: {
    type: "http",
    scheme: "bearer",
    description: "The operator's `ADMIN_TOKEN`. It is not a user key, and a user key is not it.",
  },
  standardWebhooks: {
    type: "apiKey",
    in: "header",
    name: "webhook-signature",
    description:
      "Standard Webhooks (https://www.standardwebhooks.com) with `INGEST_SECRET`. Each request carries `webhook-id` " +
      "(a unique message id), `webhook-timestamp` (Unix seconds, accepted within ±5 minutes) and `webhook-signature`: " +
      "`v1,` + base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` keyed with the base64-decoded part of " +
      "`INGEST_SECRET` after `whsec_`. The HMAC covers the body's exact bytes; a wrong or missing signature is a 401.",
  },
  svixSignature: {
    type: "apiKey",
    in: "header",
    name: "svix-signature",
    description:
      "Resend signs its webhooks with Svix and `RESEND_WEBHOOK_SECRET`: `svix-id`, `svix-timestamp` and `svix-signature` " +
      "(`v1,` + base64 HMAC-SHA256 of `<svix-id>.<svix-timestamp>.<body>`). Without the secret configured the endpoint answers 404.",
  },
  metricsToken: {
    type: "http",
    scheme: "bearer",
    description: "`METRICS_TOKEN`, wanted by `/metrics` only when it is set.",
  },
  sessionCookie: {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
    description: "The preference page's session, set by opening a sign-in link (`/preferences?token=…`).",
  },
} as const;

/** Security requirements, one per kind of caller; `{}` among them makes credentials optional. */
type Security = Partial<Record<keyof typeof securitySchemes, string[]>>[];
export const bearer: Security = [{ bearerAuth: [] }];
export const adminBearer: Security = [{ adminBearer: [] }];
export const ingestSignature: Security = [{ standardWebhooks: [] }];
export const resendSignature: Security = [{ svixSignature: [] }];
/** Wanted only when METRICS_TOKEN is set. */
export const optionalMetricsToken: Security = [{ metricsToken: [] }, {}];
export const session: Security = [{ sessionCookie: [] }];
/** A page that takes its signed link (`?token=`) or, failing that, the session cookie. */
export const optionalSession: Security = [{ sessionCookie: [] }, {}];
/** No credentials: the page's own token (in its path or query), if any, is the only key. */
export const noAuth: Security = [];
