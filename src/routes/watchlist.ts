import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gt, or } from "drizzle-orm";
import { activePlatforms, lockUser, platformLimitMessage, watchFeatureProblem } from "../db/queries/limits";
import { watches } from "../db/schema";
import type { WatchRow } from "../db/schema/watches";
import type { Db } from "../db/types";
import { slug } from "../ingest/event-schema";
import { sha256Hex } from "../lib/crypto";
import { ApiError, isUniqueViolation, notFound } from "../lib/errors";
import { decodeCursor, page } from "../lib/pagination";
import { ENTITLEMENTS, effectiveTier, SEVERITIES, severityRank } from "../lib/tiers";
import type { AuthedUser } from "./auth";
import { requireUser } from "./auth";
import { bearer, createRouter, errors, IdParam, json, jsonBody, listOf, PageQuery } from "./common";
import { platformRef, WatchSchema } from "./schemas";
import { watchJson } from "./serialize";

const categories = z
  .array(slug)
  .min(1)
  .max(20)
  .transform((cs) => [...new Set(cs)].sort());

const CreateWatchBody = z
  .object({
    platform: platformRef,
    document: slug.nullish(),
    provision: slug.nullish(),
    min_severity: z.enum(SEVERITIES).nullish(),
    categories: categories.nullish(),
  })
  .strict()
  .openapi("CreateWatch");

const PatchWatchBody = z
  .object({ min_severity: z.enum(SEVERITIES).nullable(), categories: categories.nullable(), paused: z.boolean() })
  .partial()
  .strict()
  .openapi("PatchWatch");

type Shape = Pick<WatchRow, "platform" | "document" | "provision" | "minSeverity" | "categories">;

async function fingerprint(w: Shape): Promise<string> {
  return sha256Hex(JSON.stringify([w.platform, w.document, w.provision, w.minSeverity, w.categories]));
}

/** Tier first (403 whatever else is wrong), then what the watch itself needs (400). */
async function checkWatch(db: Db, user: AuthedUser, w: Shape, now: Date) {
  const tier = effectiveTier(user, now);
  const problem = watchFeatureProblem(tier, w);
  if (problem) throw new ApiError("tier_limit", problem);
  // An active watch being changed is already counted; a paused one being resumed is not.
  const platforms = await activePlatforms(db, user.id);
  if (!platforms.has(w.platform) && platforms.size >= ENTITLEMENTS[tier].maxPlatforms) {
    throw new ApiError("tier_limit", platformLimitMessage(tier));
  }
  if (w.provision && !w.document) throw new ApiError("invalid_request", "document: a provision watch names its document");
  if (w.platform === "*" && !w.categories) throw new ApiError("invalid_request", 'categories: a "*" watch needs categories');
}

const ownWatch = async (db: Db, userId: string, id: string) => {
  const [w] = await db
    .select()
    .from(watches)
    .where(and(eq(watches.id, id), eq(watches.userId, userId)))
    .limit(1);
  if (!w) throw notFound("watch");
  return w;
};

const tags = ["watchlist"];
const security = bearer;
const middleware = [requireUser];

export const watchlistRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/watchlist",
      tags,
      security,
      middleware,
      summary: "The user's watches, oldest first",
      request: { query: PageQuery },
      responses: { 200: json(listOf(WatchSchema, "WatchList"), "Watches"), 400: errors[400], 401: errors[401] },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const after = decodeCursor(cursor);
      const user = c.get("user");
      const rows = await c
        .get("deps")
        .database.db.select()
        .from(watches)
        .where(
          and(
            eq(watches.userId, user.id),
            after
              ? or(gt(watches.createdAt, after.at), and(eq(watches.createdAt, after.at), gt(watches.id, after.id)))
              : undefined,
          ),
        )
        .orderBy(asc(watches.createdAt), asc(watches.id))
        .limit(limit + 1);
      const p = page(rows, limit, (w) => ({ at: w.createdAt, id: w.id }));
      return c.json({ items: p.items.map(watchJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/watchlist",
      tags,
      security,
      middleware,
      summary: "Watch a platform, document or provision",
      request: { body: jsonBody(CreateWatchBody) },
      responses: {
        201: json(WatchSchema, "The watch"),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        409: errors[409],
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { database, clock } = c.get("deps");
      const now = clock.now();
      const shape: Shape = {
        platform: body.platform,
        document: body.document ?? null,
        provision: body.provision ?? null,
        minSeverity: body.min_severity ?? null,
        categories: body.categories ?? null,
      };
      const fp = await fingerprint(shape);
      try {
        const watch = await database.db.transaction(async (tx) => {
          const user = await lockUser(tx, c.get("user").id);
          await checkWatch(tx, user, shape, now);
          const [w] = await tx
            .insert(watches)
            .values({
              userId: user.id,
              ...shape,
              minSeverityRank: shape.minSeverity ? severityRank(shape.minSeverity) : 0,
              fingerprint: fp,
              createdAt: now,
            })
            .returning();
          return w;
        });
        return c.json(watchJson(watch), 201);
      } catch (e) {
        if (isUniqueViolation(e, "watches_user_fingerprint_key")) throw new ApiError("conflict", "an identical watch exists");
        throw e;
      }
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/watchlist/{id}",
      tags,
      security,
      middleware,
      summary: "One watch",
      request: { params: IdParam },
      responses: { 200: json(WatchSchema, "The watch"), 401: errors[401], 404: errors[404] },
    }),
    async (c) => c.json(watchJson(await ownWatch(c.get("deps").database.db, c.get("user").id, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/v1/watchlist/{id}",
      tags,
      security,
      middleware,
      summary: "Change a watch's filters, or pause/resume it",
      request: { params: IdParam, body: jsonBody(PatchWatchBody) },
      responses: {
        200: json(WatchSchema, "The watch"),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        404: errors[404],
        409: errors[409],
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const { database, clock } = c.get("deps");
      const now = clock.now();
      try {
        const watch = await database.db.transaction(async (tx) => {
          const user = await lockUser(tx, c.get("user").id);
          const w = await ownWatch(tx, user.id, id);
          const shape: Shape = {
            platform: w.platform,
            document: w.document,
            provision: w.provision,
            minSeverity: body.min_severity !== undefined ? body.min_severity : w.minSeverity,
            categories: body.categories !== undefined ? body.categories : w.categories,
          };
          const paused = body.paused ?? w.paused;
          if (!paused) await checkWatch(tx, user, shape, now);
          const [updated] = await tx
            .update(watches)
            .set({
              ...shape,
              minSeverityRank: shape.minSeverity ? severityRank(shape.minSeverity) : 0,
              fingerprint: await fingerprint(shape),
              paused,
              pausedReason: paused ? (body.paused ? "user" : w.pausedReason) : null,
            })
            .where(eq(watches.id, w.id))
            .returning();
          return updated;
        });
        return c.json(watchJson(watch), 200);
      } catch (e) {
        if (isUniqueViolation(e, "watches_user_fingerprint_key")) throw new ApiError("conflict", "an identical watch exists");
        throw e;
      }
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/watchlist/{id}",
      tags,
      security,
      middleware,
      summary: "Stop watching",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const gone = await c
        .get("deps")
        .database.db.delete(watches)
        .where(and(eq(watches.id, id), eq(watches.userId, c.get("user").id)))
        .returning({ id: watches.id });
      if (!gone.length) throw notFound("watch");
      return c.body(null, 204);
    },
  );
