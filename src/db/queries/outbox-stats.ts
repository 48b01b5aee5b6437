import { sql } from "drizzle-orm";
import { instant } from "../sql";
import { type Db, rows } from "../types";

/** How long "recent failures" look back. */
const FAILURE_WINDOW_MS = 60 * 60 * 1000;

export interface OutboxStats {
  /** notifications not in a final state, by channel type and status (only non-zero groups) */
  pending: { channel_type: "email" | "slack" | "webhook"; status: "pending" | "sending"; count: number }[];
  /** `now` minus the oldest `next_attempt_at` among due rows; null when nothing is due */
  oldest_due_age_seconds: number | null;
  /** notifications that reached `failed` in the hour before `now` */
  failures_last_hour: number;
  /** every notification by status, final states included (only with `byStatus`: it reads the whole table) */
  by_status?: Record<string, number>;
}

interface Row {
  grp: "open" | "all" | null;
  channel_type: OutboxStats["pending"][number]["channel_type"] | null;
  status: string | null;
  count: number | null;
  oldest_due_age_seconds: number | null;
  failures_last_hour: number;
}

/**
 * The outbox as an operator sees it, in one statement (shared by `/metrics` and
 * `GET /v1/admin/outbox/stats`).
 *
 * "Pending" is every row the dispatcher has yet to finish: `pending` (waiting for its due time, a
 * retry, the end of quiet hours or an alert's grouping window) and `sending` (claimed under a
 * lease). "Due" is the claim's own predicate (`next_attempt_at <= now`): a `sending` row is due
 * only once its lease ran out, i.e. its worker died. Both read the partial index
 * `notifications_due_idx`, so their cost follows the backlog, not the table.
 *
 * The failure count and `byStatus` read the whole table: `notifications` has no index on
 * `updated_at` or on final statuses, and adding one is a migration.
 */
export async function outboxStats(db: Db, now: Date, opts: { byStatus?: boolean } = {}): Promise<OutboxStats> {
  const n = instant(now);
  const since = instant(new Date(now.getTime() - FAILURE_WINDOW_MS));
  const all = opts.byStatus ? sql`union all select 'all', null, status, count(*)::int from notifications group by status` : sql``;
  const out = await rows<Row>(
    db,
    sql`with open as materialized (
        -- a sign-up confirmation has no channel: it is an email to the address in its payload
        select n.status, coalesce(c.type, 'email') as channel_type, n.next_attempt_at
        from notifications n left join channels c on c.id = n.channel_id
        where n.status in ('pending', 'sending')
      ), groups as (
        select 'open' as grp, channel_type, status, count(*)::int as count from open group by channel_type, status
        ${all}
      ), scalars as (
        select
          (select extract(epoch from (${n} - min(next_attempt_at)))::float8 from open where next_attempt_at <= ${n})
            as oldest_due_age_seconds,
          (select count(*)::int from notifications where status = 'failed' and updated_at > ${since}) as failures_last_hour
      )
      select g.grp, g.channel_type, g.status, g.count, s.oldest_due_age_seconds, s.failures_last_hour
      from scalars s left join groups g on true
      order by g.grp, g.channel_type, g.status`,
  );
  const first = out[0];
  const stats: OutboxStats = {
    pending: out.flatMap((r) =>
      r.grp === "open" && r.channel_type && (r.status === "pending" || r.status === "sending")
        ? [{ channel_type: r.channel_type, status: r.status, count: Number(r.count) }]
        : [],
    ),
    oldest_due_age_seconds: first?.oldest_due_age_seconds == null ? null : Number(first.oldest_due_age_seconds),
    failures_last_hour: Number(first?.failures_last_hour ?? 0),
  };
  if (opts.byStatus)
    stats.by_status = Object.fromEntries(out.flatMap((r) => (r.grp === "all" && r.status ? [[r.status, Number(r.count)]] : [])));
  return stats;
}
