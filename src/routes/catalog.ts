import { createRoute, z } from "@hono/zod-openapi";
import { asc, gt, inArray } from "drizzle-orm";
import { documents, platforms } from "../db/schema";
import { ApiError } from "../lib/errors";
import { slug } from "../lib/event-schema";
import { requireUser } from "../middleware/auth";
import { bearer, createRouter, errors, json, listOf, PageQuery } from "./common";

const PlatformSchema = z
  .object({
    slug: z.string(),
    name: z.string(),
    documents: z.array(z.object({ slug: z.string(), title: z.string(), url: z.string().nullable() })),
  })
  .openapi("Platform");

const listPlatforms = createRoute({
  method: "get",
  path: "/v1/catalog/platforms",
  operationId: "listPlatforms",
  tags: ["catalog"],
  summary: "Known platforms with their documents (the catalog grows from events)",
  security: bearer,
  middleware: [requireUser],
  request: { query: PageQuery },
  responses: { 200: json(listOf(PlatformSchema, "PlatformList"), "Platforms by slug"), 400: errors[400], 401: errors[401] },
});

export const catalogRoutes = createRouter().openapi(listPlatforms, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  // The cursor is the last slug of the previous page; anything else was not issued by this API.
  if (cursor && !slug.safeParse(cursor).success) throw new ApiError("invalid_request", "cursor: not a cursor this API issued");
  const { db } = c.get("deps").database;
  const ps = await db
    .select()
    .from(platforms)
    .where(cursor ? gt(platforms.slug, cursor) : undefined)
    .orderBy(asc(platforms.slug))
    .limit(limit + 1);
  const pageRows = ps.slice(0, limit);
  const docs = pageRows.length
    ? await db
        .select()
        .from(documents)
        .where(
          inArray(
            documents.platformSlug,
            pageRows.map((p) => p.slug),
          ),
        )
        .orderBy(asc(documents.slug))
    : [];
  const items = pageRows.map((p) => ({
    slug: p.slug,
    name: p.name,
    documents: docs.filter((d) => d.platformSlug === p.slug).map((d) => ({ slug: d.slug, title: d.title, url: d.url })),
  }));
  // Platform slugs are unique and ordered, so the last slug is the cursor.
  return c.json({ items, next_cursor: ps.length > limit ? pageRows[pageRows.length - 1].slug : null }, 200);
});
