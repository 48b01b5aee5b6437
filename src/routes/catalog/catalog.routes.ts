import { createRoute, z } from "@hono/zod-openapi";
import { requireUser } from "../../middleware/auth";
import { bearer, errors, json, listOf, PageQuery } from "../common";

const PlatformSchema = z
  .object({
    slug: z.string(),
    name: z.string(),
    documents: z.array(z.object({ slug: z.string(), title: z.string(), url: z.string().nullable() })),
  })
  .openapi("Platform");

export const listPlatforms = createRoute({
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
