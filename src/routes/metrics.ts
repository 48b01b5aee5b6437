import { sql } from "drizzle-orm";
import { NOTIFICATION_STATUSES } from "../db/schema/notifications";
import { rows } from "../db/types";
import { createRouter } from "./common";

/** Prometheus scrape: outbox depth by status (from the database) plus this process's counters. */
export const metricsRoutes = createRouter();
metricsRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/metrics",
  tags: ["operations"],
  summary: "Prometheus metrics: outbox depth by status, deliveries by channel and result, send latency",
  responses: { 200: { description: "Prometheus text format", content: { "text/plain": { schema: { type: "string" } } } } },
});
metricsRoutes.get("/metrics", async (c) => {
  const { database, metrics } = c.get("deps");
  const counts = await rows<{ status: string; n: number }>(
    database.db,
    sql`select status, count(*)::int as n from notifications group by status`,
  );
  const depth = Object.fromEntries(NOTIFICATION_STATUSES.map((s) => [s, counts.find((r) => r.status === s)?.n ?? 0]));
  return c.text(metrics.render(depth), 200, { "content-type": "text/plain; version=0.0.4" });
});
