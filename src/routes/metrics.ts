import { timingSafeEqualStr } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { createRouter, errors, optionalMetricsToken } from "./common";

/**
 * Prometheus scrape: this process's counters and histograms, the process defaults, and the outbox
 * gauges read from the database now. With METRICS_TOKEN set it wants that bearer token.
 */
export const metricsRoutes = createRouter();
metricsRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/metrics",
  operationId: "getMetrics",
  security: optionalMetricsToken,
  tags: ["operations"],
  summary:
    "Prometheus metrics: deliveries by channel and outcome, ingest and delivery latency, outbox depth and age, process " +
    "defaults. `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set",
  responses: {
    200: { description: "Prometheus text format 0.0.4", content: { "text/plain": { schema: { type: "string" } } } },
    401: errors[401],
  },
});
metricsRoutes.get("/metrics", async (c) => {
  const { database, metrics, clock, config } = c.get("deps");
  if (config.metricsToken) {
    const token = c.req.header("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    if (!token || !(await timingSafeEqualStr(token, config.metricsToken)))
      throw new ApiError("unauthorized", "missing or invalid metrics token");
  }
  const text = await metrics.render({ db: database.db, now: clock.now() });
  return c.body(text, 200, { "content-type": metrics.contentType });
});
