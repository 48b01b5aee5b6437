import { createRoute, z } from "@hono/zod-openapi";
import { requireMetricsToken } from "../../middleware/auth";
import { errors, optionalMetricsToken } from "../common";

/**
 * Prometheus scrape: this process's counters and histograms, the process defaults, and the outbox
 * gauges read from the database now. With METRICS_TOKEN set it wants that bearer token.
 */
export const getMetrics = createRoute({
  method: "get",
  path: "/metrics",
  operationId: "getMetrics",
  security: optionalMetricsToken,
  tags: ["operations"],
  summary:
    "Prometheus metrics: deliveries by channel and outcome, ingest and delivery latency, outbox depth and age, process " +
    "defaults. `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set",
  middleware: [requireMetricsToken],
  responses: {
    200: { description: "Prometheus text format 0.0.4", content: { "text/plain": { schema: z.string() } } },
    401: errors[401],
  },
});
