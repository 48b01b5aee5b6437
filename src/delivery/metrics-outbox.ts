import { outboxStats } from "../db/queries/outbox-stats";
import { NOTIFICATION_STATUSES } from "../db/schema/notifications";
import type { Metrics } from "./metrics";

const CHANNEL_TYPES = ["email", "slack", "webhook"] as const;
const OPEN_STATUSES = ["pending", "sending"] as const;

/**
 * Metrics without prom-client, for runtimes that have no process to describe (Workers) and for
 * apps built without `metrics`: `/metrics` exposes the outbox gauges, read from the database at
 * scrape time exactly as `createMetrics` does, so every isolate reports the same truth. Counters
 * and histograms are not kept — per-isolate counts of a Worker would be neither complete nor
 * comparable between scrapes. `isHeld` still works (the dispatcher reads it within one batch).
 *
 * @example createApp({ ...deps, metrics: createOutboxMetrics() })
 */
export function createOutboxMetrics(): Metrics {
  const held = new Map<string, boolean>();
  return {
    delivery() {},
    observeSend() {},
    observeDeliveryLatency() {},
    observeIngest() {},
    setHeld: (provider, isHeld) => held.set(provider, isHeld),
    isHeld: (provider) => held.get(provider) === true,
    contentType: "text/plain; version=0.0.4; charset=utf-8",
    async render({ db, now }) {
      const s = await outboxStats(db, now, { byStatus: true });
      const lines = [
        "# HELP clausewatch_notifications Notifications in the outbox by status, final states included.",
        "# TYPE clausewatch_notifications gauge",
        ...NOTIFICATION_STATUSES.map((status) => `clausewatch_notifications{status="${status}"} ${s.by_status?.[status] ?? 0}`),
        "# HELP clausewatch_outbox_pending Notifications not yet finished, by channel type.",
        "# TYPE clausewatch_outbox_pending gauge",
        ...CHANNEL_TYPES.flatMap((channel) =>
          OPEN_STATUSES.map(
            (status) =>
              `clausewatch_outbox_pending{channel="${channel}",status="${status}"} ${
                s.pending.find((p) => p.channel_type === channel && p.status === status)?.count ?? 0
              }`,
          ),
        ),
        "# HELP clausewatch_outbox_oldest_due_age_seconds How long the oldest due notification has been waiting (0 when nothing is due).",
        "# TYPE clausewatch_outbox_oldest_due_age_seconds gauge",
        `clausewatch_outbox_oldest_due_age_seconds ${s.oldest_due_age_seconds ?? 0}`,
      ];
      return `${lines.join("\n")}\n`;
    },
  };
}
