import { createRoute, z } from "@hono/zod-openapi";
import { errors, json, noAuth } from "../common";

const Status = z.object({ status: z.string(), database: z.string().optional() }).openapi("Status");
const tags = ["operations"];

export const health = createRoute({
  method: "get",
  path: "/healthz",
  operationId: "getHealth",
  tags,
  security: noAuth,
  summary: "The process is up",
  responses: { 200: json(Status, "Up") },
});

export const readiness = createRoute({
  method: "get",
  path: "/readyz",
  operationId: "getReadiness",
  tags,
  security: noAuth,
  summary: "The database answers",
  responses: { 200: json(Status, "Ready"), 503: errors[503] },
});
