import { sql } from "drizzle-orm";
import type { DigestPlan } from "../db/schema/digests";
import { instant } from "../db/sql";
import { type Database, type Db, jsonRecords, rows, textArray } from "../db/types";
import { nextDigestAt } from "../lib/digest-schedule";
import type { Logger } from "../lib/log";
import { effectiveTier, type Tier, type TrialTier } from "../lib/tiers";
import type { Day } from "../lib/time";
import { type ChunkFacts, type EventFacts, groupItems, planChunk } from "./plan";

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

const asDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

interface PlannerOptions {
  database: Database;
  now: Date;
  /** when the queued notifications are due (the real clock, even when `now` is simulated) */
  queueAt: Date;
  log?: Logger;
  chunkSize?: number;
}

/**
 * Builds and queues every digest due at `now`, a chunk of users per transaction:
 * lock due users (SKIP LOCKED, so racing planners split the work), read their pending items and
 * the period's events, plan each digest in memory, then write digests, take the items, queue one
 * notification per active channel and move each user's schedule on — all set-based.
 * A user down for weeks gets one digest with everything (catch-up), then the next regular one.
 */
export async function runDigestPlanner(o: PlannerOptions): Promise<PlannerResult> {
  const runStarted = performance.now();
  const total: PlannerResult = { users: 0, digests: 0, notifications: 0, empty: 0 };
  const [{ n: dueCount }] = await rows<{ n: number }>(
    o.database.db,
    sql`select count(*)::int as n from users where next_digest_at <= ${instant(o.now)}`,
  );
  if (dueCount === 0) return total;
  const run = createRunCache(o.now);
  for (;;) {
    const batchStarted = performance.now();
    const done = await o.database.db.transaction((tx) => planAndQueueChunk(tx, o, run));
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

/** What a run reads or computes once and every chunk reuses. */
interface RunCache {
  /** event facts by id: events never change once stored, and 100,000 digests share a few hundred events */
  factsById: Map<string, EventFacts>;
  /** reads the facts of the events not read yet in this run */
  loadFacts(tx: Db, eventIds: string[]): Promise<void>;
  /** the next digest slot (ISO); it depends only on (day, hour, zone) within a run */
  nextAt(day: Day, hour: number, timezone: string): string;
}

const eventCols = sql`e.id, e.severity_rank, e.platform_slug, e.occurred_at, e.received_at,
    array(select distinct r from jsonb_array_elements(e.payload->'changes') c,
          jsonb_array_elements_text(coalesce(c->'regulations', '[]'::jsonb)) r) as regulations`;

function createRunCache(now: Date): RunCache {
  const factsById = new Map<string, EventFacts>();
  const nextSlots = new Map<string, string>();
  return {
    factsById,
    async loadFacts(tx, eventIds) {
      const missing = eventIds.filter((id) => !factsById.has(id));
      if (missing.length === 0) return;
      const got = await rows<EventFacts>(tx, sql`select ${eventCols} from events e where e.id = any(${textArray(missing)})`);
      for (const e of got) factsById.set(e.id, { ...e, occurred_at: asDate(e.occurred_at), received_at: asDate(e.received_at) });
    },
    nextAt(day, hour, timezone) {
      const key = `${day}|${hour}|${timezone}`;
      let at = nextSlots.get(key);
      if (!at) {
        at = nextDigestAt(day, hour, timezone, now).toISOString();
        nextSlots.set(key, at);
      }
      return at;
    },
  };
}

/** One chunk, in its own transaction: load → plan (pure, digest/plan.ts) → write. Null when no one is due. */
async function planAndQueueChunk(tx: Db, o: PlannerOptions, run: RunCache): Promise<PlannerResult | null> {
  const due = await lockDueUsers(tx, o.now, o.chunkSize ?? 1000);
  if (due.length === 0) return null;
  const facts = await loadChunk(tx, run, due, o.now);
  const readers = due.map((u) => ({
    id: u.id,
    tier: effectiveTier({ tier: u.tier, trialEndsAt: u.trial_ends_at, trialTier: u.trial_tier }, o.now),
    start: u.period_start,
  }));
  const plans = planChunk(readers, facts, o.now);
  const created = await insertDigests(tx, due, plans, o);
  await takeItems(tx, created, o.now);
  const queued = await queueDigestNotifications(
    tx,
    created.map((d) => d.id),
    o.queueAt,
  );
  // Move every locked user on, also those whose digest a racing planner already wrote.
  await moveSchedulesOn(
    tx,
    due.map((u) => ({ id: u.id, next: run.nextAt(u.digest_day, u.digest_hour, u.timezone) })),
    o,
  );
  return {
    users: due.length,
    digests: created.length,
    notifications: queued,
    empty: created.filter((d) => d.item_count === 0).length,
  };
}

/**
 * Locks a chunk of due users (SKIP LOCKED: racing planners split the work). Ordered by the
 * indexed column alone: a tie-break on id would sort every due user on every chunk (100,000
 * users due at once: ~1 s a chunk); ties go in whatever order the index has.
 */
async function lockDueUsers(tx: Db, now: Date, chunkSize: number): Promise<DueUser[]> {
  const due = await rows<DueUser>(
    tx,
    sql`select id, tier, trial_ends_at, trial_tier, timezone, digest_day, digest_hour,
             coalesce(digest_period_start, created_at) as period_start
      from users where next_digest_at <= ${instant(now)}
      order by next_digest_at limit ${chunkSize} for update skip locked`,
  );
  return due.map((u) => ({
    ...u,
    period_start: asDate(u.period_start),
    trial_ends_at: u.trial_ends_at && asDate(u.trial_ends_at),
  }));
}

/**
 * The chunk's pending items, the events of its periods and its users' watched platforms. Items
 * and period events come as ids; their facts are read once per run (RunCache), not once per item.
 */
async function loadChunk(tx: Db, run: RunCache, due: DueUser[], now: Date): Promise<ChunkFacts> {
  const ids = due.map((u) => u.id);
  const minStart = new Date(Math.min(...due.map((u) => u.period_start.getTime())));
  const items = await rows<{ user_id: string; event_id: string }>(
    tx,
    sql`select di.user_id, di.event_id from digest_items di
      where di.user_id = any(${textArray(ids)}) and di.digest_id is null and di.created_at <= ${instant(now)}`,
  );
  const periodIds = await rows<{ id: string }>(
    tx,
    sql`select e.id from events e where e.received_at > ${instant(minStart)} and e.received_at <= ${instant(now)} and e.fanned_out_at is not null`,
  );
  await run.loadFacts(tx, [...new Set([...items.map((i) => i.event_id), ...periodIds.map((e) => e.id)])]);
  const watched = await rows<{ user_id: string; n: number }>(
    tx,
    sql`select user_id, count(distinct platform)::int as n from watches
      where user_id = any(${textArray(ids)}) and not paused group by user_id`,
  );
  return {
    itemsByUser: groupItems(items, run.factsById),
    periodEvents: periodIds.flatMap((e) => run.factsById.get(e.id) ?? []),
    watchedBy: new Map(watched.map((w) => [w.user_id, w.n])),
  };
}

type CreatedDigest = { id: string; user_id: string; item_count: number };

/** Writes the chunk's digests; one per user and period, so a racing planner's is kept and ours skipped. */
function insertDigests(tx: Db, due: DueUser[], plans: DigestPlan[], o: PlannerOptions): Promise<CreatedDigest[]> {
  return rows<CreatedDigest>(
    tx,
    sql`insert into digests (user_id, period_start, period_end, item_count, plan, created_at)
      select v.user_id, v.period_start, ${instant(o.now)}, v.item_count, v.plan, ${instant(o.queueAt)}
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
}

/** Hands each new digest its user's pending items (those created up to the run's instant). */
async function takeItems(tx: Db, created: CreatedDigest[], now: Date): Promise<void> {
  await tx.execute(sql`update digest_items di set digest_id = v.digest_id
    from ${jsonRecords(
      created.map((c) => ({ digest_id: c.id, user_id: c.user_id })),
      "v(digest_id text, user_id text)",
    )}
    where di.user_id = v.user_id and di.digest_id is null and di.created_at <= ${instant(now)}`);
}

/**
 * Queues one notification per digest and active channel, unless the user turned digests off or
 * the digest is empty and the user does not want empty ones; returns how many.
 */
async function queueDigestNotifications(tx: Db, digestIds: string[], queueAt: Date): Promise<number> {
  const [{ n }] = await rows<{ n: number }>(
    tx,
    sql`with q as (
        insert into notifications (user_id, channel_id, kind, status, digest_id, next_attempt_at, created_at, updated_at)
        select d.user_id, c.id, 'digest', 'pending', d.id, ${instant(queueAt)}, ${instant(queueAt)}, ${instant(queueAt)}
        from digests d
        join users u on u.id = d.user_id
        join channels c on c.user_id = d.user_id and c.status = 'active' and c.deleted_at is null
        where d.id = any(${textArray(digestIds)}) and not u.digests_off and (d.item_count > 0 or u.digest_send_when_empty)
        returning 1)
      select count(*)::int as n from q`,
  );
  return n;
}

/** Starts each user's next period now and sets when its digest is due. */
async function moveSchedulesOn(tx: Db, next: { id: string; next: string }[], o: PlannerOptions): Promise<void> {
  await tx.execute(sql`update users u set digest_period_start = ${instant(o.now)}, next_digest_at = v.next, updated_at = ${instant(o.queueAt)}
    from ${jsonRecords(next, "v(id text, next timestamptz)")}
    where u.id = v.id`);
}
