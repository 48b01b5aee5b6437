import { createRoute, z } from "@hono/zod-openapi";
import { json, noAuth } from "../common";
import { htmlResponse } from "../pages/page-routes";

const tags = ["operations"];

/** The API reference at /docs: Scalar, reading the same /openapi.json the service serves. */
export const reference = createRoute({
  method: "get",
  path: "/docs",
  operationId: "showApiReference",
  tags,
  summary: "This API reference (Scalar), rendered in the browser from /openapi.json",
  security: noAuth,
  responses: { 200: htmlResponse },
});

export const script = createRoute({
  method: "get",
  path: "/docs/scalar.js",
  operationId: "getApiReferenceScript",
  tags,
  summary: "The reference page's script: Scalar's standalone bundle, served from the installed package",
  security: noAuth,
  responses: {
    200: { description: "JavaScript (gzip when accepted)", content: { "text/javascript": { schema: z.string() } } },
  },
});

/** Served by app.doc31 (routes/openapi-document.ts); described here with the rest of the documentation routes. */
export const document = createRoute({
  method: "get",
  path: "/openapi.json",
  operationId: "getOpenApiDocument",
  tags,
  summary: "This OpenAPI 3.1 document",
  security: noAuth,
  responses: { 200: json(z.record(z.string(), z.unknown()), "The OpenAPI document") },
});
