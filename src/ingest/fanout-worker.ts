import { sql } from "drizzle-orm";
import { events } from "../db/schema";
import { instant } from "../db/sql";
import { type Database, type Db, jsonRecords, rows } from "../db/types";
import type { Clock } from "../lib/clock";
import { type ChangeEvent, eventFacts } from "../lib/event-schema";
import type { Logger } from "../lib/log";
import { createWorkerLoop, type WorkerLoop } from "../lib/worker-loop";
import { upsertCatalog } from "./catalog";
import { fanOut } from "./fanout";

/** Replicas tell each other's fan-out workers that events were accepted. */
const EVENTS_CHANNEL = "clausewatch_events";
/**
 * One fan-out at a time per database: a transaction-scoped advisory lock on this key ("fanout!!"
 * in ASCII). Held by a transaction, it is released by the commit, or by the server the moment a
 * crashed holder's connection goes — no lease to wait out.
 */
const FANOUT_LOCK_KEY = 7377299089600553249n;
const BATCH = 100;
/**
 * Accepts come first. A producer waits for its 202, the fan-out waits for nobody, and on this
 * 2-core class of machine they compete for the same CPU (bench:ingest: with the fan-out running
 * flat out, ingest fell to 0.31 of the reference on PostgreSQL and 0.06 on PGlite, where every
 * statement runs on the one JavaScript thread and a transaction blocks even the parsing of
 * requests). So while accepts stream in (two within `QUIET_MS`) a round waits for a pause of
 * `QUIET_MS`, at most `MAX_DEFER_MS`, and its batch stops after `BUSY_BUDGET_MS` (at least one
 * event done): a burst is answered fast and fanned out right behind it, and under sustained load
 * the fan-out still gets a batch every `MAX_DEFER_MS`. A lone accept is fanned out at once (the
 * latency of a single event is unchanged); with no accept since the last round a batch runs
 * whole on PostgreSQL and for `IDLE_BUDGET_MS` on PGlite (which must still let requests in).
 */
const QUIET_MS = 10;
const MAX_DEFER_MS = 200;
const BUSY_BUDGET_MS = 15;
const IDLE_BUDGET_MS = 100;

interface FanoutRound {
  /** events fanned out in this round */
  events: number;
  matchedUsers: number;
  alerts: number;
  digestItems: number;
  /** another fan-out held the lock (only when not waiting for it) */
  busy: boolean;
  /** the events fanned out, in order (the Worker wakes delivery for the alerts they joined) */
  eventIds: string[];
  /** more events were pending than this round took (a full batch, or the time budget ran out) */
  more: boolean;
}

/**
 * Fans out accepted events in arrival order (`received_at`, then id), up to `batchSize` per
 * transaction: for each, grow the catalog, run the set-based fan-out and record what it did on
 * the event row. Under the fan-out lock no two fan-outs ever run at once, so grouping windows
 * stay exact and an event is fanned out exactly once: the transaction that marks it fanned out is
 * the one that wrote its alerts and digest items. A crash mid-batch rolls the batch back; the
 * next round redoes it.
 *
 * `wait: true` queues for the lock instead of giving up (tests and scripts that must see the
 * result); the worker loop never waits, another replica is already doing the work.
 */
export async function fanOutPending(
  db: Db,
  now: Date,
  opts: { batchSize?: number; wait?: boolean; log?: Logger; budgetMs?: number } = {},
): Promise<FanoutRound> {
  const batchSize = opts.batchSize ?? BATCH;
  const started = performance.now();
  const round = await db.transaction(async (tx) => {
    const round: FanoutRound = { events: 0, matchedUsers: 0, alerts: 0, digestItems: 0, busy: false, eventIds: [], more: false };
    if (opts.wait) await tx.execute(sql`select pg_advisory_xact_lock(${FANOUT_LOCK_KEY.toString()}::bigint)`);
    else {
      const [got] = await rows<{ ok: boolean }>(
        tx,
        sql`select pg_try_advisory_xact_lock(${FANOUT_LOCK_KEY.toString()}::bigint) as ok`,
      );
      if (!got?.ok) return { ...round, busy: true };
    }
    const begun = performance.now();
    const pending = await tx
      .select({ id: events.id, payload: events.payload })
      .from(events)
      .where(sql`${events.fannedOutAt} is null`)
      .orderBy(events.receivedAt, events.id)
      .limit(batchSize);
    await upsertCatalog(
      tx,
      pending.map((p) => p.payload),
      now,
    );
    const done: FannedOut[] = [];
    for (const { id, payload } of pending) {
      if (opts.budgetMs !== undefined && done.length > 0 && performance.now() - begun > opts.budgetMs) break;
      const e: ChangeEvent = payload;
      const r = await fanOut(tx, {
        eventId: id,
        platform: e.platform.slug,
        document: e.document.slug,
        facts: eventFacts(e),
        now,
      });
      opts.log?.debug("event fanned out", {
        event_id: id,
        matched_users: r.matchedUsers,
        alerts: r.alerts,
        digest_items: r.digestItems,
      });
      done.push({ id, ...r });
    }
    await markFannedOut(tx, done, now);
    const sum = (k: "matchedUsers" | "alerts" | "digestItems") => done.reduce((n, d) => n + d[k], 0);
    return {
      ...round,
      events: done.length,
      eventIds: done.map((d) => d.id),
      matchedUsers: sum("matchedUsers"),
      alerts: sum("alerts"),
      digestItems: sum("digestItems"),
      more: done.length < pending.length || pending.length === batchSize,
    };
  });
  if (round.events > 0) {
    opts.log?.info("fan-out batch", {
      events: round.events,
      matched_users: round.matchedUsers,
      alerts: round.alerts,
      digest_items: round.digestItems,
      duration_ms: Math.round(performance.now() - started),
    });
  }
  return round;
}

interface FannedOut {
  id: string;
  matchedUsers: number;
  alerts: number;
  digestItems: number;
}

/**
 * Records a batch's counts on its event rows and indexes the events by category, in one
 * statement. "How other platforms handle this" reads event_categories (db/queries/elsewhere.ts):
 * written here, once per batch, rather than by a trigger on ingest's INSERT, which the producer
 * waits for.
 */
async function markFannedOut(tx: Db, done: FannedOut[], now: Date): Promise<void> {
  if (done.length === 0) return;
  const counts = done.map((d) => ({
    id: d.id,
    matched_users: d.matchedUsers,
    alerts: d.alerts,
    digest_items: d.digestItems,
  }));
  await tx.execute(sql`with marked as (
      update events e
      set fanned_out_at = ${instant(now)}, matched_users = c.matched_users, alerts = c.alerts, digest_items = c.digest_items
      from ${jsonRecords(counts, "c(id text, matched_users int, alerts int, digest_items int)")}
      where e.id = c.id
      returning e.id, e.received_at, e.categories, e.platform_slug
    )
    insert into event_categories (category, received_at, event_id, platform_slug)
    select distinct cat, m.received_at, m.id, m.platform_slug
    from marked m, unnest(m.categories) as cat
    on conflict do nothing`);
}

/** Fans out until nothing is pending (waiting for the lock): for tests, scripts and benchmarks. */
export async function drainFanout(db: Db, clock: Clock, log?: Logger): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await fanOutPending(db, clock.now(), { wait: true, log });
    total += r.events;
    if (r.events === 0) return total;
  }
}

interface FanoutWorkerOptions {
  database: Database;
  clock: Clock;
  log: Logger;
  /** called after a round queued alerts (wake the dispatcher) */
  onQueued?: () => void;
  batchSize?: number;
  /** stop a batch after this many ms (default: paced, see `QUIET_MS`) */
  budgetMs?: number;
  pollMs?: number;
}

/**
 * The fan-out worker of a Node process: woken in process by ingest, across replicas by NOTIFY,
 * and by a poll; logs one line per batch.
 */
export function createFanoutWorker(o: FanoutWorkerOptions): WorkerLoop {
  const batchSize = o.batchSize ?? BATCH;
  const pacer = acceptPacer(o.database.kind === "pglite");
  const loop = createWorkerLoop({
    name: "fan-out",
    log: o.log,
    pollMs: o.pollMs,
    listen: (onNotify) => o.database.listen(EVENTS_CHANNEL, onNotify),
    round: async () => {
      const budgetMs = o.budgetMs ?? (await pacer.beforeRound());
      const r = await fanOutPending(o.database.db, o.clock.now(), { batchSize, budgetMs, log: o.log });
      pacer.afterRound();
      if (r.alerts > 0) o.onQueued?.();
      return r.more;
    },
  });
  return {
    ...loop,
    // ingest wakes the worker after each accept
    wake: () => {
      pacer.accepted();
      loop.wake();
    },
  };
}

/** The accepts-first pacing of the fan-out rounds (see `QUIET_MS`); answers each round's budget. */
export function acceptPacer(pglite: boolean) {
  let lastAccept = Number.NEGATIVE_INFINITY;
  let lastRoundEnd = Number.NEGATIVE_INFINITY;
  let streaming = false;
  let acceptedSinceRound = true;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return {
    accepted() {
      const now = performance.now();
      // on PGlite the last round blocked the thread: requests that came meanwhile are only read
      // after it, so its end counts as activity (here and in the pause below)
      const before = pglite ? Math.max(lastAccept, lastRoundEnd) : lastAccept;
      streaming = now - before < QUIET_MS;
      lastAccept = now;
      acceptedSinceRound = true;
    },
    async beforeRound(): Promise<number | undefined> {
      const started = performance.now();
      for (;;) {
        const now = performance.now();
        const quietFor = now - Math.max(lastAccept, pglite ? lastRoundEnd : lastAccept);
        if (!streaming || quietFor >= QUIET_MS || now - started >= MAX_DEFER_MS) break;
        await sleep(QUIET_MS - quietFor);
      }
      const busy = acceptedSinceRound;
      acceptedSinceRound = false;
      if (busy) return BUSY_BUDGET_MS;
      return pglite ? IDLE_BUDGET_MS : undefined;
    },
    afterRound() {
      lastRoundEnd = performance.now();
    },
  };
}

/** Tells other replicas' fan-out workers there are accepted events (PostgreSQL; nothing on PGlite). */
export async function notifyEvents(database: Database): Promise<void> {
  if (database.kind === "postgres") await database.db.execute(sql.raw(`notify ${EVENTS_CHANNEL}`));
}
