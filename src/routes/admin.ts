import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { applyTierLimits, lockUser } from "../db/queries/limits";
import { createUser, getUser } from "../db/queries/users";
import { users } from "../db/schema";
import { datetime } from "../ingest/event-schema";
import { ApiError, notFound } from "../lib/errors";
import { effectiveTier } from "../lib/tiers";
import { requireAdmin } from "./auth";
import { bearer, createRouter, errors, IdParam, json, jsonBody } from "./common";
import { email, TierSchema, timezone, UserSchema } from "./schemas";
import { userJson } from "./serialize";

const CreateUserBody = z
  .object({
    email,
    tier: TierSchema.default("free"),
    timezone: timezone.default("UTC"),
    trial: z.boolean().default(false),
  })
  .openapi("CreateUser");

const PatchUserBody = z.object({ tier: TierSchema, trial_ends_at: datetime.nullable() }).partial().openapi("PatchUser");

const createUserRoute = createRoute({
  method: "post",
  path: "/v1/admin/users",
  tags: ["operator"],
  summary: "Create a user (returns their API key, once)",
  security: bearer,
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
  tags: ["operator"],
  summary: "Get a user",
  security: bearer,
  middleware: [requireAdmin],
  request: { params: IdParam },
  responses: { 200: json(UserSchema, "The user"), 401: errors[401], 404: errors[404] },
});

const patchUserRoute = createRoute({
  method: "patch",
  path: "/v1/admin/users/{id}",
  tags: ["operator"],
  summary: "Change a user's tier or trial; watches and channels pause or resume at once",
  security: bearer,
  middleware: [requireAdmin],
  request: { params: IdParam, body: jsonBody(PatchUserBody) },
  responses: { 200: json(UserSchema, "The user"), 400: errors[400], 401: errors[401], 404: errors[404] },
});

export const adminRoutes = createRouter()
  .openapi(createUserRoute, async (c) => {
    const body = c.req.valid("json");
    if (body.trial && body.tier !== "free")
      throw new ApiError("invalid_request", "trial: only a free user can start a Watcher trial");
    const { database, clock } = c.get("deps");
    const now = clock.now();
    const { user, apiKey } = await createUser(database.db, body, now);
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
          updatedAt: now,
        })
        .where(eq(users.id, id))
        .returning();
      await applyTierLimits(tx, id, effectiveTier(updated, now), now);
      return updated;
    });
    return c.json(userJson(user, now), 200);
  });
