import { type OutboxStats, outboxStats } from "../db/queries/outbox-stats";
import type { Db } from "../db/types";

/** What the operator reads about the outbox (the same numbers `/metrics` exports as gauges). */
export type OutboxSummary = Pick<OutboxStats, "pending" | "oldest_due_age_seconds" | "failures_last_hour">;

/** The outbox now: pending by channel type and status, the oldest due age, failures in the last hour. */
export async function outboxSummary(db: Db, now: Date): Promise<OutboxSummary> {
  const { pending, oldest_due_age_seconds, failures_last_hour } = await outboxStats(db, now);
  return { pending, oldest_due_age_seconds, failures_last_hour };
}
