import { sql } from "drizzle-orm";
import { type Database, type Db, jsonRecords, rows, textArray } from "../db/types";
import { nextDigestAt } from "../lib/digest-schedule";
import type { Logger } from "../lib/log";
import { effectiveTier, type Tier, type TrialTier } from "../lib/tiers";
import type { Day } from "../lib/time";
import { type EventFacts, type PeriodView, periodView, planDigest } from "./plan";

export interface PlannerResult {
  users: number;
  digests: number;
  notifications: number;
  empty: number;
}

interface DueUser {
  id: string;
  tier: Tier;
  trial_ends_at: Date | null;
  trial_tier: TrialTier | null;
  timezone: string;
  digest_day: Day;
  digest_hour: number;
  period_start: Date;
}

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const asDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

/**
 * Builds and queues every digest due at `now`, a chunk of users per transaction:
 * lock due users (SKIP LOCKED, so racing planners split the work), read their pending items and
 * the period's events, plan each digest in memory, then write digests, take the items, queue one
 * notification per active channel and move each user's schedule on — all set-based.
 * A user down for weeks gets one digest with everything (catch-up), then the next regular one.
 */
export async function runDigestPlanner(o: {
  database: Database;
  now: Date;
  /** when the queued notifications are due (the real clock, even when `now` is simulated) */
  queueAt: Date;
  log?: Logger;
  chunkSize?: number;
}): Promise<PlannerResult> {
  const { db } = o.database;
  const runStarted = performance.now();
  const chunkSize = o.chunkSize ?? 1000;
  const total: PlannerResult = { users: 0, digests: 0, notifications: 0, empty: 0 };
  const [{ n: dueCount }] = await rows<{ n: number }>(
    db,
    sql`select count(*)::int as n from users where next_digest_at <= ${ts(o.now)}`,
  );
  if (dueCount === 0) return total;

  const factsById = new Map<string, EventFacts>();
  const eventCols = sql`e.id, e.severity_rank, e.platform_slug, e.occurred_at, e.received_at,
    array(select distinct r from jsonb_array_elements(e.payload->'changes') c,
          jsonb_array_elements_text(coalesce(c->'regulations', '[]'::jsonb)) r) as regulations`;
  const loadFacts = async (tx: Db, eventIds: string[]) => {
    const missing = eventIds.filter((id) => !factsById.has(id));
    if (missing.length === 0) return;
    const got = await rows<EventFacts>(tx, sql`select ${eventCols} from events e where e.id = any(${textArray(missing)})`);
    for (const e of got) factsById.set(e.id, { ...e, occurred_at: asDate(e.occurred_at), received_at: asDate(e.received_at) });
  };
  // The next slot depends only on (day, hour, zone) within a run: computed once per combination.
  const nextSlots = new Map<string, string>();
  const nextAt = (day: Day, hour: number, timezone: string) => {
    const key = `${day}|${hour}|${timezone}`;
    let at = nextSlots.get(key);
    if (!at) {
      at = nextDigestAt(day, hour, timezone, o.now).toISOString();
      nextSlots.set(key, at);
    }
    return at;
  };

  for (;;) {
    const batchStarted = performance.now();
    const done = await db.transaction(async (tx) => {
      // Ordered by the indexed column alone: a tie-break on id would sort every due user on every
      // chunk (100,000 users due at once: ~1 s a chunk); ties go in whatever order the index has.
      const due = (
        await rows<DueUser>(
          tx,
          sql`select id, tier, trial_ends_at, trial_tier, timezone, digest_day, digest_hour,
                   coalesce(digest_period_start, created_at) as period_start
            from users where next_digest_at <= ${ts(o.now)}
            order by next_digest_at limit ${chunkSize} for update skip locked`,
        )
      ).map((u) => ({ ...u, period_start: asDate(u.period_start), trial_ends_at: u.trial_ends_at && asDate(u.trial_ends_at) }));
      if (due.length === 0) return null;
      const ids = due.map((u) => u.id);
      const minStart = new Date(Math.min(...due.map((u) => u.period_start.getTime())));

      // Items and the period's events come as ids; their facts are read once per run (events never
      // change once stored), not once per item: 100,000 digests share a few hundred events.
      const items = await rows<{ user_id: string; event_id: string }>(
        tx,
        sql`select di.user_id, di.event_id from digest_items di
          where di.user_id = any(${textArray(ids)}) and di.digest_id is null and di.created_at <= ${ts(o.now)}`,
      );
      const periodIds = await rows<{ id: string }>(
        tx,
        sql`select e.id from events e where e.received_at > ${ts(minStart)} and e.received_at <= ${ts(o.now)} and e.fanned_out_at is not null`,
      );
      await loadFacts(tx, [...new Set([...items.map((i) => i.event_id), ...periodIds.map((e) => e.id)])]);
      const watched = await rows<{ user_id: string; n: number }>(
        tx,
        sql`select user_id, count(distinct platform)::int as n from watches
          where user_id = any(${textArray(ids)}) and not paused group by user_id`,
      );
      const itemsByUser = new Map<string, EventFacts[]>();
      for (const it of items) {
        const facts = factsById.get(it.event_id);
        if (!facts) continue;
        const list = itemsByUser.get(it.user_id);
        if (list) list.push(facts);
        else itemsByUser.set(it.user_id, [facts]);
      }
      const period = periodIds.flatMap((e) => factsById.get(e.id) ?? []);
      const watchedBy = new Map(watched.map((w) => [w.user_id, w.n]));
      // one view per distinct period start in this chunk (usually one: everyone's last digest was a week ago)
      const views = new Map<number, PeriodView>();
      const viewFor = (start: Date) => {
        let v = views.get(start.getTime());
        if (!v) {
          v = periodView(period, start, o.now);
          views.set(start.getTime(), v);
        }
        return v;
      };

      const plans = due.map((u) =>
        planDigest({
          tier: effectiveTier({ tier: u.tier, trialEndsAt: u.trial_ends_at, trialTier: u.trial_tier }, o.now),
          items: itemsByUser.get(u.id) ?? [],
          periodEvents: period,
          watchedPlatforms: watchedBy.get(u.id) ?? 0,
          start: u.period_start,
          end: o.now,
          view: viewFor(u.period_start),
        }),
      );

      const created = await rows<{ id: string; user_id: string; item_count: number }>(
        tx,
        sql`insert into digests (user_id, period_start, period_end, item_count, plan, created_at)
          select v.user_id, v.period_start, ${ts(o.now)}, v.item_count, v.plan, ${ts(o.queueAt)}
          from ${jsonRecords(
            due.map((u, i) => ({
              user_id: u.id,
              period_start: u.period_start.toISOString(),
              item_count: plans[i].watchlist.length,
              plan: plans[i],
            })),
            "v(user_id text, period_start timestamptz, item_count int, plan jsonb)",
          )}
          on conflict (user_id, period_start) do nothing
          returning id, user_id, item_count`,
      );
      const dIds = created.map((d) => d.id);

      await tx.execute(sql`update digest_items di set digest_id = v.digest_id
        from ${jsonRecords(
          created.map((c) => ({ digest_id: c.id, user_id: c.user_id })),
          "v(digest_id text, user_id text)",
        )}
        where di.user_id = v.user_id and di.digest_id is null and di.created_at <= ${ts(o.now)}`);

      const [{ n: queued }] = await rows<{ n: number }>(
        tx,
        sql`with q as (
            insert into notifications (user_id, channel_id, kind, status, digest_id, next_attempt_at, created_at, updated_at)
            select d.user_id, c.id, 'digest', 'pending', d.id, ${ts(o.queueAt)}, ${ts(o.queueAt)}, ${ts(o.queueAt)}
            from digests d
            join users u on u.id = d.user_id
            join channels c on c.user_id = d.user_id and c.status = 'active' and c.deleted_at is null
            where d.id = any(${textArray(dIds)}) and not u.digests_off and (d.item_count > 0 or u.digest_send_when_empty)
            returning 1)
          select count(*)::int as n from q`,
      );

      // Move every locked user on, also those whose digest a racing planner already wrote.
      const next = due.map((u) => nextAt(u.digest_day, u.digest_hour, u.timezone));
      await tx.execute(sql`update users u set digest_period_start = ${ts(o.now)}, next_digest_at = v.next, updated_at = ${ts(o.queueAt)}
        from ${jsonRecords(
          due.map((u, i) => ({ id: u.id, next: next[i] })),
          "v(id text, next timestamptz)",
        )}
        where u.id = v.id`);

      return {
        users: due.length,
        digests: created.length,
        notifications: queued,
        empty: created.filter((d) => d.item_count === 0).length,
      };
    });
    if (!done) break;
    total.users += done.users;
    total.digests += done.digests;
    total.notifications += done.notifications;
    total.empty += done.empty;
    o.log?.info("digest batch", {
      ...done,
      duration_ms: Math.round(performance.now() - batchStarted),
      // progress of this run: users done so far of those due when it started
      progress: `${total.users}/${dueCount}`,
    });
  }
  o.log?.info("digest planner done", {
    ...total,
    now: o.now.toISOString(),
    duration_ms: Math.round(performance.now() - runStarted),
  });
  return total;
}
