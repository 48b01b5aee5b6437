import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gt, or } from "drizzle-orm";
import type { Context } from "hono";
import { checkWatchTier, createWatch, deleteWatch, ownWatch, updateWatch, type WatchShape } from "../db/queries/watches";
import { watches } from "../db/schema";
import { ApiError } from "../lib/errors";
import { slug } from "../lib/event-schema";
import { decodeCursor, page } from "../lib/pagination";
import { SEVERITIES } from "../lib/tiers";
import { requireUser } from "../middleware/auth";
import type { AppEnv } from "../middleware/context";
import { bearer, createRouter, describeIssues, errors, IdParam, json, jsonBody, listOf, PageQuery } from "./common";
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

type Shape = WatchShape;

/**
 * The shape a body asks for, judged by which fields are present: enough to know the tier cannot
 * have it even when the values are malformed. A PATCH cannot change what a watch targets.
 */
function requestedShape(body: unknown, patch: boolean): Shape | null {
  if (!body || typeof body !== "object" || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  const has = (k: string) => b[k] !== undefined && b[k] !== null;
  return {
    platform: !patch && typeof b.platform === "string" ? b.platform : "",
    document: !patch && has("document") ? "-" : null,
    provision: !patch && has("provision") ? "-" : null,
    minSeverity: has("min_severity") ? "low" : null,
    categories: has("categories") ? [] : null,
  };
}

/**
 * Validation hook: "tier limits are checked before anything else about a request", so a body
 * that fails validation is still a 403 when the tier could never allow what it asks for.
 */
const tierFirst =
  (patch: boolean) =>
  (
    result: {
      success: boolean;
      target: string;
      error?: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
    },
    c: Context<AppEnv>,
  ) =>
    result.success ? undefined : refuse(result.target, result.error?.issues ?? [], patch, c);

async function refuse(
  target: string,
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  patch: boolean,
  c: Context<AppEnv>,
): Promise<never> {
  if (target === "json") {
    const shape = requestedShape(await c.req.json().catch(() => null), patch);
    const { database, clock } = c.get("deps");
    if (shape) await checkWatchTier(database.db, c.get("user"), shape, clock.now());
  }
  throw new ApiError("invalid_request", describeIssues(issues));
}

/** The reference's examples, one per granularity (and the tier that allows it). */
const CREATE_WATCH_EXAMPLES = {
  platform: { summary: "A whole platform (every tier)", value: { platform: "anthropic" } },
  document: {
    summary: "One document, high severity and up (Watcher)",
    value: { platform: "anthropic", document: "claudeai-terms-of-service", min_severity: "high" },
  },
  provision: {
    summary: "One provision, AI-training changes only (Professional)",
    value: {
      platform: "anthropic",
      document: "claudeai-terms-of-service",
      provision: "ai-model-training-use-of-materials",
      min_severity: "medium",
      categories: ["ai-training"],
    },
  },
} satisfies Record<string, { summary: string; value: z.input<typeof CreateWatchBody> }>;

const WATCH_EXAMPLE: z.infer<typeof WatchSchema> = {
  id: "wat_5f0c3a9e1b7d4c2a8e6f1d3b9a7c5e21",
  platform: "anthropic",
  document: "claudeai-terms-of-service",
  provision: null,
  min_severity: "high",
  categories: null,
  paused: false,
  paused_reason: null,
  created_at: "2026-05-09T15:02:11.482Z",
};

const tags = ["watchlist"];
const security = bearer;
const middleware = [requireUser];

export const watchlistRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/watchlist",
      operationId: "listWatches",
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
      operationId: "createWatch",
      tags,
      security,
      middleware,
      summary: "Watch a platform, document or provision",
      request: { body: jsonBody(CreateWatchBody, CREATE_WATCH_EXAMPLES) },
      responses: {
        201: json(WatchSchema, "The watch", WATCH_EXAMPLE),
        400: errors[400],
        401: errors[401],
        403: errors[403],
        409: errors[409],
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { database, clock } = c.get("deps");
      const shape: Shape = {
        platform: body.platform,
        document: body.document ?? null,
        provision: body.provision ?? null,
        minSeverity: body.min_severity ?? null,
        categories: body.categories ?? null,
      };
      return c.json(watchJson(await createWatch(database.db, c.get("user").id, shape, clock.now())), 201);
    },
    tierFirst(false),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/watchlist/{id}",
      operationId: "getWatch",
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
      operationId: "updateWatch",
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
      return c.json(watchJson(await updateWatch(database.db, c.get("user").id, id, body, clock.now())), 200);
    },
    tierFirst(true),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/watchlist/{id}",
      operationId: "deleteWatch",
      tags,
      security,
      middleware,
      summary: "Stop watching",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await deleteWatch(c.get("deps").database.db, c.get("user").id, id);
      return c.body(null, 204);
    },
  );
