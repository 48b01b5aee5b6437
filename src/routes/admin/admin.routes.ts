import { createRoute, z } from "@hono/zod-openapi";
import { datetime } from "../../lib/event-schema";
import { TRIAL_TIERS } from "../../lib/tiers";
import { emailAddress as email } from "../../lib/validation";
import { requireAdmin } from "../../middleware/auth";
import { adminBearer, errors, IdParam, json, jsonBody, listOf, PageQuery } from "../common";
import { TierSchema, timezone, UserSchema } from "../schemas";

/** The operator's administration of users, and the outbox at a glance. */

const CreateUserBody = z
  .object({
    email,
    tier: TierSchema.default("free"),
    timezone: timezone.default("UTC"),
    trial: z
      .union([z.boolean(), z.enum(TRIAL_TIERS)])
      .default(false)
      .openapi({
        description:
          '`true` or `"watcher"`: a 14-day Watcher trial; `"professional"`: a Professional one. Free users only; one trial per address, ever (409 when it had one).',
      }),
  })
  .openapi("CreateUser");

const PatchUserBody = z.object({ tier: TierSchema, trial_ends_at: datetime.nullable() }).partial().openapi("PatchUser");

const OutboxStatsSchema = z
  .object({
    pending: z
      .array(
        z.object({
          channel_type: z.enum(["email", "slack", "webhook"]),
          status: z.enum(["pending", "sending"]),
          count: z.number().int(),
        }),
      )
      .openapi({
        description:
          "Notifications not in a final state (sent, failed and suppressed are final), by channel type and status; " +
          "groups with no rows are left out. `pending`: waiting for its time — an alert's grouping window, quiet " +
          "hours, a retry's backoff — or due now; `sending`: claimed by a dispatcher under a lease.",
      }),
    oldest_due_age_seconds: z
      .number()
      .nullable()
      .openapi({
        description:
          "Seconds the longest-waiting due notification (`next_attempt_at` ≤ now: pending and due, or sending with an " +
          "expired lease) has waited past its due time; null when nothing is due. Growing means dispatchers are behind or down.",
      }),
    failures_last_hour: z.number().int().openapi({
      description: "Notifications that became `failed` (permanent error or retries exhausted) in the last 60 minutes.",
    }),
  })
  .openapi("OutboxStats");

const tags = ["operator"];
const security = adminBearer;
const middleware = [requireAdmin];

export const createUser = createRoute({
  method: "post",
  path: "/v1/admin/users",
  operationId: "createUser",
  tags,
  summary: "Create a user (returns their API key, once)",
  security,
  middleware,
  request: { body: jsonBody(CreateUserBody) },
  responses: {
    201: json(z.object({ user: UserSchema, api_key: z.string() }), "The user and their API key"),
    400: errors[400],
    401: errors[401],
    409: errors[409],
  },
});

export const listUsers = createRoute({
  method: "get",
  path: "/v1/admin/users",
  operationId: "listUsers",
  tags,
  summary: "List users, newest first (`email` matches exactly; `tier` filters the stored tier)",
  security,
  middleware,
  request: { query: PageQuery.extend({ email: email.optional(), tier: TierSchema.optional() }) },
  responses: { 200: json(listOf(UserSchema, "UserList"), "A page of users"), 400: errors[400], 401: errors[401] },
});

export const getUser = createRoute({
  method: "get",
  path: "/v1/admin/users/{id}",
  operationId: "getUser",
  tags,
  summary: "Get a user",
  security,
  middleware,
  request: { params: IdParam },
  responses: { 200: json(UserSchema, "The user"), 401: errors[401], 404: errors[404] },
});

export const updateUser = createRoute({
  method: "patch",
  path: "/v1/admin/users/{id}",
  operationId: "updateUser",
  tags,
  summary: "Change a user's tier or trial; watches and channels pause or resume at once",
  security,
  middleware,
  request: { params: IdParam, body: jsonBody(PatchUserBody) },
  responses: { 200: json(UserSchema, "The user"), 400: errors[400], 401: errors[401], 404: errors[404] },
});

export const getOutboxStats = createRoute({
  method: "get",
  path: "/v1/admin/outbox/stats",
  operationId: "getOutboxStats",
  tags,
  summary: "The outbox now: pending by channel type and status, oldest due age, failures in the last hour",
  security,
  middleware,
  responses: { 200: json(OutboxStatsSchema, "Outbox statistics"), 401: errors[401] },
});
