import { createRoute, z } from "@hono/zod-openapi";
import { slug } from "../../lib/event-schema";
import { SEVERITIES } from "../../lib/tiers";
import { requireUser } from "../../middleware/auth";
import { bearer, errors, IdParam, json, jsonBody, listOf, PageQuery } from "../common";
import { platformRef, WatchSchema } from "../schemas";

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

export const list = createRoute({
  method: "get",
  path: "/v1/watchlist",
  operationId: "listWatches",
  tags,
  security,
  middleware,
  summary: "The user's watches, oldest first",
  request: { query: PageQuery },
  responses: { 200: json(listOf(WatchSchema, "WatchList"), "Watches"), 400: errors[400], 401: errors[401] },
});

export const create = createRoute({
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
});

export const getOne = createRoute({
  method: "get",
  path: "/v1/watchlist/{id}",
  operationId: "getWatch",
  tags,
  security,
  middleware,
  summary: "One watch",
  request: { params: IdParam },
  responses: { 200: json(WatchSchema, "The watch"), 401: errors[401], 404: errors[404] },
});

export const patch = createRoute({
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
});

export const remove = createRoute({
  method: "delete",
  path: "/v1/watchlist/{id}",
  operationId: "deleteWatch",
  tags,
  security,
  middleware,
  summary: "Stop watching",
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" }, 401: errors[401], 404: errors[404] },
});
