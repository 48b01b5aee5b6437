import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { applyTierLimits, lockUser } from "../db/queries/limits";
import { outboxStats } from "../db/queries/outbox-stats";
import { createUser, getUser, grantTrial } from "../db/queries/users";
import { users } from "../db/schema";
import { ApiError, notFound } from "../lib/errors";
import { datetime } from "../lib/event-schema";
import { effectiveTier, TRIAL_TIER, TRIAL_TIERS } from "../lib/tiers";
import { requireAdmin } from "../middleware/auth";
import { adminBearer, createRouter, errors, IdParam, json, jsonBody } from "./common";
import { email, TierSchema, timezone, UserSchema } from "./schemas";
import { userJson } from "./serialize";

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

const createUserRoute = createRoute({
  method: "post",
  path: "/v1/admin/users",
  operationId: "createUser",
  tags: ["operator"],
  summary: "Create a user (returns their API key, once)",
  security: adminBearer,
  middleware: [requireAdmin],
  request: { body: jsonBody(CreateUserBody) },
  responses: {
    201: json(z.object({ user: UserSchema, api_key: z.string() }), "The user and their API key"),
    400: errors[400],
    401: errors[401],
    409: errors[409],
  },
});

const getUserRoute = createRoute({
  method: "get",
  path: "/v1/admin/users/{id}",
  operationId: "getUser",
  tags: ["operator"],
  summary: "Get a user",
  security: adminBearer,
  middleware: [requireAdmin],
  request: { params: IdParam },
  responses: { 200: json(UserSchema, "The user"), 401: errors[401], 404: errors[404] },
});

const patchUserRoute = createRoute({
  method: "patch",
  path: "/v1/admin/users/{id}",
  operationId: "updateUser",
  tags: ["operator"],
  summary: "Change a user's tier or trial; watches and channels pause or resume at once",
  security: adminBearer,
  middleware: [requireAdmin],
  request: { params: IdParam, body: jsonBody(PatchUserBody) },
  responses: { 200: json(UserSchema, "The user"), 400: errors[400], 401: errors[401], 404: errors[404] },
});

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

const outboxStatsRoute = createRoute({
  method: "get",
  path: "/v1/admin/outbox/stats",
  operationId: "getOutboxStats",
  tags: ["operator"],
  summary: "The outbox now: pending by channel type and status, oldest due age, failures in the last hour",
  security: adminBearer,
  middleware: [requireAdmin],
  responses: { 200: json(OutboxStatsSchema, "Outbox statistics"), 401: errors[401] },
});

export const adminRoutes = createRouter()
  .openapi(createUserRoute, async (c) => {
    const body = c.req.valid("json");
    const trial = body.trial === true ? TRIAL_TIER : body.trial === false ? null : body.trial;
    if (trial && body.tier !== "free") throw new ApiError("invalid_request", "trial: only a free user can start a trial");
    const { database, clock } = c.get("deps");
    const now = clock.now();
    const { user, apiKey } = await createUser(database.db, { ...body, trial, trialTaken: "reject" }, now);
    return c.json({ user: userJson(user, now), api_key: apiKey }, 201);
  })
  .openapi(getUserRoute, async (c) => {
    const { database, clock } = c.get("deps");
    const user = await getUser(database.db, c.req.valid("param").id);
    if (!user) throw notFound("user");
    return c.json(userJson(user, clock.now()), 200);
  })
  .openapi(patchUserRoute, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const { database, clock } = c.get("deps");
    const now = clock.now();
    const user = await database.db.transaction(async (tx) => {
      const current = await lockUser(tx, id);
      if (!current) throw notFound("user");
      const [updated] = await tx
        .update(users)
        .set({
          ...(body.tier ? { tier: body.tier } : {}),
          ...(body.trial_ends_at !== undefined ? { trialEndsAt: body.trial_ends_at ? new Date(body.trial_ends_at) : null } : {}),
          // a trial the operator starts by date alone is a Watcher trial
          ...(body.trial_ends_at && !current.trialTier ? { trialTier: TRIAL_TIER } : {}),
          updatedAt: now,
        })
        .where(eq(users.id, id))
        .returning();
      // it counts as the address's one trial (sign-ups will not start another)
      if (body.trial_ends_at) await grantTrial(tx, updated.email, updated.trialTier ?? TRIAL_TIER, now);
      await applyTierLimits(tx, id, effectiveTier(updated, now), now);
      return updated;
    });
    return c.json(userJson(user, now), 200);
  })
  .openapi(outboxStatsRoute, async (c) => {
    const { database, clock } = c.get("deps");
    const { pending, oldest_due_age_seconds, failures_last_hour } = await outboxStats(database.db, clock.now());
    return c.json({ pending, oldest_due_age_seconds, failures_last_hour }, 200);
  });
