import { inArray, sql } from "drizzle-orm";
import { channels as channelsTable } from "../db/schema";
import type { Database } from "../db/types";
import type { Clock } from "../lib/clock";
import type { Keys } from "../lib/crypto";
import type { Logger } from "../lib/log";
import { type Composed, compose } from "./compose";
import type { DeliveryOutcome, Metrics } from "./metrics";
import { type Claimed, claimDue, complete, extendLeases, type Outcome } from "./outbox";
import { nextRetryDelay } from "./retry";
import type { Channels, OutboundMessage, SendResult } from "./types";

export const OUTBOX_CHANNEL = "clausewatch_outbox";
/** The longest wait between rounds that fail (the database away), doubling from the poll interval. */
const MAX_BACKOFF_MS = 10_000;
/** While our own provider credentials are refused, a held message is looked at again this often. */
export const HELD_RETRY_MS = 60_000;
/** A claimed batch waiting longer than this behind a slow one is released to other dispatchers. */
const MAX_WAIT_MS = 30_000;

export interface DispatcherOptions {
  database: Database;
  channels: Channels;
  keys: Keys;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  publicUrl: string;
  /** rows claimed per round */
  batchSize?: number;
  /** sends in flight at once */
  concurrency?: number;
  /**
   * how long a claim is ours without a heartbeat: a replica that dies mid-batch leaves its rows to
   * come due again this long after its last heartbeat, so it is kept short
   */
  leaseMs?: number;
  /** how often the leases of held batches are renewed (default a third of the lease) */
  heartbeatMs?: number;
  /** on stop(): how long sends already in flight may run before their rows are handed back */
  stopGraceMs?: number;
  /** the fallback poll; wake-ups make most rounds start sooner */
  pollMs?: number;
  /**
   * batches the running loop holds at once (claimed, not yet recorded): while one batch is sending,
   * the next is claimed and composed, so sends never wait for a claim. 1 = one batch at a time.
   */
  pipelineDepth?: number;
  random?: () => number;
}

export interface Dispatcher {
  start(): Promise<void>;
  /**
   * Stops claiming, hands back the rows of batches not yet sending and the rows of the sending
   * batch not yet sent, and waits up to `stopGraceMs` for the sends in flight.
   */
  stop(): Promise<void>;
  /** renews the leases of every held batch now (the timer does this every `heartbeatMs`) */
  heartbeat(): Promise<number>;
  /** start a round now (called after ingest or the digest planner commits) */
  wake(): void;
  /**
   * one claim-send-record round; returns how many rows it claimed. `ids`: claim only those rows
   * (the Worker's delivery consumer, woken by a queue message per notification id)
   */
  runOnce(ids?: readonly string[]): Promise<number>;
}

const truncate = (s: string | undefined, n = 1000) => (s && s.length > n ? `${s.slice(0, n)}…` : (s ?? null));

/**
 * The outbox's only writer after queueing: claims due rows under a lease, asks each channel to
 * send, and alone decides the row's next state from the channel's SendResult.
 */
export function createDispatcher(o: DispatcherOptions): Dispatcher {
  const batchSize = o.batchSize ?? 100;
  const concurrency = o.concurrency ?? 16;
  const leaseMs = o.leaseMs ?? 15_000;
  const heartbeatMs = o.heartbeatMs ?? Math.round(leaseMs / 3);
  const stopGraceMs = o.stopGraceMs ?? 10_000;
  const pollMs = o.pollMs ?? 1_000;
  const pipelineDepth = Math.max(1, o.pipelineDepth ?? 2);
  const random = o.random ?? Math.random;
  const { db } = o.database;

  let running = false;
  let stopping = false;
  /** deliverBatch calls waiting on their sends: stop() calls them when its grace has run out */
  const abandonWaiters = new Set<() => void>();
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let woken = false;
  let unlisten: (() => Promise<void>) | null = null;

  function outcomeOf(c: Claimed, msg: OutboundMessage, r: SendResult, now: Date): Outcome {
    const base = { id: c.id, attempts: c.attempts };
    switch (r.kind) {
      case "sent":
        return { ...base, status: "sent", providerMessageId: r.providerId ?? null, lastResponse: truncate(r.response) };
      case "held":
        return {
          ...base,
          status: "pending",
          countAttempt: false,
          nextAttemptAt: new Date(now.getTime() + HELD_RETRY_MS),
          lastError: `held: ${r.reason}`,
        };
      case "permanent":
        return { ...base, status: "failed", statusReason: "permanent", lastError: r.reason, lastResponse: truncate(r.response) };
      case "retry": {
        const delay = nextRetryDelay(c.attempts, r.afterMs, random);
        if (delay === null) {
          return {
            ...base,
            status: "failed",
            statusReason: "retries_exhausted",
            lastError: r.reason,
            lastResponse: truncate(r.response),
          };
        }
        o.log.debug("send will be retried", { id: msg.id, attempt: c.attempts, delay_ms: delay, reason: r.reason });
        return {
          ...base,
          status: "pending",
          nextAttemptAt: new Date(now.getTime() + delay),
          lastError: r.reason,
          lastResponse: truncate(r.response),
        };
      }
    }
  }

  async function sendOne(
    c: Claimed,
    msg: OutboundMessage,
  ): Promise<{ outcome: Outcome; disable?: { id: string; reason: string } }> {
    const type = msg.channel.type;
    const started = performance.now();
    let r: SendResult;
    try {
      r = await o.channels[type].send(msg);
    } catch (err) {
      // A channel should classify everything; an exception is treated as transient.
      r = { kind: "retry", reason: `unexpected error: ${err instanceof Error ? err.message : String(err)}` };
    }
    const latencyMs = performance.now() - started;
    o.metrics.observeSend(type, latencyMs / 1000);
    if (r.kind === "held") {
      if (!o.metrics.isHeld(type))
        o.log.error(`${type} sends are HELD: the provider refuses our credentials`, { reason: r.reason });
      o.metrics.setHeld(type, true, r.reason);
    } else if (o.metrics.isHeld(type) && r.kind === "sent") {
      o.log.warn(`${type} sends resumed`);
      o.metrics.setHeld(type, false);
    }
    const now = o.clock.now();
    const outcome = outcomeOf(c, msg, r, now);
    const result: DeliveryOutcome =
      outcome.status === "sent" ? "sent" : outcome.status === "failed" ? "failed" : r.kind === "held" ? "held" : "retry";
    o.metrics.delivery(type, result);
    // An alert is opened by the fan-out of its first event, so its created_at is that event's receipt.
    if (result === "sent" && c.kind === "alert")
      o.metrics.observeDeliveryLatency(type, (now.getTime() - new Date(c.created_at).getTime()) / 1000);
    // Never the message, the target or the provider's raw answer: they can carry addresses and tokens.
    o.log.info("delivery", {
      notification_id: c.id,
      kind: c.kind,
      channel_id: msg.channel.id,
      channel_type: type,
      outcome: result,
      attempt: c.attempts,
      latency_ms: Math.round(latencyMs),
      ...(result === "sent" ? {} : { reason: r.kind === "sent" ? null : truncate(r.reason, 200) }),
    });
    const disable = r.kind === "permanent" && r.disableChannel ? { id: msg.channel.id, reason: r.reason } : undefined;
    return { outcome, disable };
  }

  interface Batch {
    claimed: Claimed[];
    composed: Composed;
    /** when the lease began */
    at: Date;
    /** the lease end the database last confirmed for this batch (ms) */
    leaseUntil: number;
    /** rows still claimed by us and not yet recorded: what a heartbeat renews */
    open: Map<string, Claimed>;
  }

  /** Batches claimed and not yet recorded, waiting or sending: the heartbeat renews all of them. */
  const held = new Set<Batch>();
  let heartbeatTimer: NodeJS.Timeout | null = null;
  /**
   * Heartbeats and the statements that end a claim (complete, hand-back) run one after another:
   * a renewal then never lands after a hand-back, where it could extend a row that another
   * dispatcher has meanwhile claimed with the same `attempts`.
   */
  let leaseChain: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const p = leaseChain.then(f, f);
    leaseChain = p.catch(() => {});
    return p;
  };

  function hold(b: Batch): void {
    held.add(b);
    // unref: the sends keep the process alive while there is something to renew
    heartbeatTimer ??= setInterval(() => void heartbeat(), heartbeatMs).unref();
  }
  function unhold(b: Batch): void {
    held.delete(b);
    if (held.size === 0 && heartbeatTimer) {
      clearInterval(heartbeatTimer);
      heartbeatTimer = null;
    }
  }

  async function heartbeat(): Promise<number> {
    return serial(async () => {
      const batches = [...held];
      const mine = batches.flatMap((b) => [...b.open.values()]);
      if (mine.length === 0) return 0;
      const now = o.clock.now();
      try {
        const kept = await extendLeases(db, now, mine, leaseMs);
        let lost = 0;
        for (const b of batches) {
          for (const id of b.open.keys())
            if (!kept.has(id)) {
              b.open.delete(id);
              lost++;
            }
          b.leaseUntil = now.getTime() + leaseMs;
        }
        // Our lease ran out (a long outage) and another dispatcher took these rows: we send none of them.
        if (lost > 0) o.log.warn("claims lost to another dispatcher; not sending them", { rows: lost });
        return kept.size;
      } catch (err) {
        o.log.warn("lease heartbeat failed", { error: err instanceof Error ? err.message : String(err), rows: mine.length });
        return 0;
      }
    });
  }

  /** Records outcomes and forgets their rows (they are no longer ours to renew). */
  function record(b: Batch, outcomes: Outcome[]): Promise<number> {
    return serial(async () => {
      const ours = outcomes.filter((x) => b.open.has(x.id));
      const now = o.clock.now();
      const recorded = await complete(db, now, ours).finally(() => {
        for (const x of ours) b.open.delete(x.id);
      });
      return recorded;
    });
  }

  /** Hands rows back: pending and due now; `countAttempt` for rows whose send may have gone out. */
  const handBack = (c: Claimed, countAttempt: boolean, now: Date): Outcome => ({
    id: c.id,
    attempts: c.attempts,
    status: "pending",
    countAttempt,
    nextAttemptAt: now,
  });

  /**
   * Claims and composes one batch (null when nothing was claimed); `considered` counts the due
   * rows it looked at, claimed or held for quiet hours, so a batch of holds does not read as a drained queue.
   */
  async function claimBatch(ids?: readonly string[]): Promise<{ batch: Batch | null; considered: number }> {
    const now = o.clock.now();
    const started = performance.now();
    const { claimed, held: quiet } = await claimDue(db, now, ids ? ids.length : batchSize, leaseMs, ids);
    const considered = claimed.length + quiet;
    if (considered > 0)
      o.log.debug("outbox claim", { claimed: claimed.length, held: quiet, duration_ms: Math.round(performance.now() - started) });
    if (claimed.length === 0) return { batch: null, considered };
    const batch: Batch = {
      claimed,
      composed: { ready: [], skipped: [] },
      at: now,
      leaseUntil: now.getTime() + leaseMs,
      open: new Map(claimed.map((c) => [c.id, c])),
    };
    hold(batch);
    try {
      batch.composed = await compose(db, o.keys, o.publicUrl, claimed, now);
    } catch (err) {
      unhold(batch);
      throw err;
    }
    return { batch, considered };
  }

  /**
   * Gives a batch's rows back, due now and with the claim's attempt returned: the dispatcher is
   * stopping, or the batch waited so long behind a slow one that others should have its rows.
   */
  async function releaseBatch(b: Batch, reason: "stopping" | "waited"): Promise<void> {
    const now = o.clock.now();
    if (reason === "waited")
      o.log.warn("claimed batch waited too long for its turn; released", {
        rows: b.claimed.length,
        waited_ms: now.getTime() - b.at.getTime(),
      });
    try {
      await record(
        b,
        b.claimed.map((c) => handBack(c, false, now)),
      );
    } finally {
      unhold(b);
    }
  }

  /**
   * May this row be sent now? Not once stopping, not if a heartbeat found it taken, and not when
   * the lease the database last confirmed has less than a third left (renewals are failing):
   * another dispatcher may claim it before our send ends.
   */
  const maySend = (b: Batch, id: string) => !stopping && b.open.has(id) && b.leaseUntil - o.clock.now().getTime() > leaseMs / 3;

  /** Sends a composed batch, `concurrency` at a time, then records it in one statement. */
  async function deliverBatch(b: Batch): Promise<void> {
    const { ready, skipped } = b.composed;
    for (const s of skipped) {
      // "unknown" only when the channel row is gone
      o.metrics.delivery(s.channelType ?? "unknown", "suppressed");
      o.log.info("delivery", {
        notification_id: s.id,
        channel_type: s.channelType ?? null,
        outcome: "suppressed",
        attempt: s.attempts,
        reason: s.statusReason,
      });
    }
    const outcomes: Outcome[] = [...skipped];
    const disables: { id: string; reason: string }[] = [];
    const unsent: Claimed[] = [];
    const inFlight = new Map<string, Claimed>();
    let next = 0;
    const worker = async () => {
      while (next < ready.length) {
        const { claimed: c, msg } = ready[next++];
        if (!maySend(b, c.id)) {
          unsent.push(c);
          continue;
        }
        inFlight.set(c.id, c);
        const { outcome, disable } = await sendOne(c, msg);
        inFlight.delete(c.id);
        outcomes.push(outcome);
        if (disable) disables.push(disable);
      }
    };
    const sent = Promise.all(Array.from({ length: Math.min(concurrency, ready.length) }, worker));
    let giveUp = () => {};
    const abandoned = new Promise<boolean>((resolve) => {
      giveUp = () => resolve(true);
    });
    abandonWaiters.add(giveUp);
    const gaveUp = await Promise.race([sent.then(() => false), abandoned]).finally(() => abandonWaiters.delete(giveUp));
    if (gaveUp) {
      // the workers still waiting on a send must take nothing more
      for (const r of ready.slice(next)) unsent.push(r.claimed);
      next = ready.length;
    }
    const later = o.clock.now();
    // Sends abandoned at the end of stop()'s grace may have gone out: their attempt counts.
    const back = [
      ...unsent.map((c) => handBack(c, false, later)),
      ...(gaveUp ? [...inFlight.values()].map((c) => handBack(c, true, later)) : []),
    ];
    if (back.length > 0) o.log.info("claims handed back", { rows: back.length, in_flight: gaveUp ? inFlight.size : 0, stopping });
    const started = performance.now();
    const all = [...outcomes, ...back];
    let recorded: number;
    try {
      recorded = await record(b, all);
    } finally {
      unhold(b);
    }
    o.log.debug("outbox complete", { rows: all.length, recorded, duration_ms: Math.round(performance.now() - started) });
    for (const d of disables) {
      o.log.warn("channel disabled by its provider", { channel_id: d.id, reason: d.reason });
      await db
        .update(channelsTable)
        .set({ status: "disabled", statusReason: d.reason, updatedAt: later })
        .where(inArray(channelsTable.id, [d.id]));
    }
  }

  async function runOnce(ids?: readonly string[]): Promise<number> {
    if (ids?.length === 0) return 0;
    const { batch } = await claimBatch(ids);
    if (!batch) return 0;
    await deliverBatch(batch);
    return batch.claimed.length;
  }

  /**
   * The running loop, pipelined: while one batch is sending, the next is claimed and composed, so
   * the sends never wait for a claim. Sends themselves go one batch at a time (a batch's start
   * waits for the one before it to be recorded): a crash then re-sends at most one batch's worth
   * of delivered-but-unrecorded rows, as without pipelining. Up to `pipelineDepth` batches are
   * held at once, every one kept by the heartbeat. A short batch means the queue is drained: the
   * loop waits for a wake-up or the poll.
   */
  async function run(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    let previous: Promise<void> = Promise.resolve();
    let failures = 0;
    while (running) {
      if (inFlight.size >= pipelineDepth) {
        await Promise.race(inFlight);
        continue;
      }
      let n = 0;
      try {
        const { batch, considered } = await claimBatch();
        n = considered;
        if (batch) {
          // A waiting batch's rows are renewed, but past MAX_WAIT_MS behind stuck sends other
          // dispatchers should have them; on stop() it goes back untouched.
          const p: Promise<void> = previous
            .then(() =>
              stopping
                ? releaseBatch(batch, "stopping")
                : o.clock.now().getTime() - batch.at.getTime() > MAX_WAIT_MS
                  ? releaseBatch(batch, "waited")
                  : deliverBatch(batch),
            )
            .catch((err) => o.log.error("dispatcher batch failed", { error: err instanceof Error ? err.message : String(err) }))
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
          previous = p;
        }
        failures = 0;
      } catch (err) {
        // Typically the database is away: back off (a wake-up still cuts the wait short) so an
        // outage costs a log line every few seconds, not one per poll.
        failures++;
        o.log.error("dispatcher round failed", { error: err instanceof Error ? err.message : String(err), failures });
      }
      if (running && n < batchSize) await sleep(Math.min(pollMs * 2 ** failures, MAX_BACKOFF_MS));
    }
    await Promise.all(inFlight);
  }

  const sleep = (ms = pollMs) =>
    new Promise<void>((resolve) => {
      if (woken) {
        woken = false;
        resolve();
        return;
      }
      const t = setTimeout(() => {
        wakeUp = null;
        resolve();
      }, ms);
      wakeUp = () => {
        clearTimeout(t);
        wakeUp = null;
        resolve();
      };
    });

  return {
    runOnce,
    wake() {
      if (wakeUp) wakeUp();
      else woken = true;
    },
    async start() {
      if (running) return;
      running = true;
      unlisten = await o.database.listen(OUTBOX_CHANNEL, () => this.wake());
      loop = run();
    },
    heartbeat,
    async stop() {
      running = false;
      stopping = true;
      wakeUp?.();
      const grace = setTimeout(() => {
        for (const giveUp of abandonWaiters) giveUp();
      }, stopGraceMs);
      try {
        await loop;
      } finally {
        clearTimeout(grace);
      }
      // With the database away UNLISTEN fails; the session (and its LISTEN) ends with the pool anyway.
      await unlisten?.().catch((err) => o.log.warn("unlisten failed", { error: String(err) }));
    },
  };
}

/** Tells other replicas' dispatchers there is work (PostgreSQL; a no-op cost on PGlite). */
export async function notifyOutbox(database: Database): Promise<void> {
  if (database.kind === "postgres") await database.db.execute(sql.raw(`notify ${OUTBOX_CHANNEL}`));
}
