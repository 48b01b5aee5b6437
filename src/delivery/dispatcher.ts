import { sql } from "drizzle-orm";
import type { Database, Db } from "../db/types";
import type { Clock } from "../lib/clock";
import type { Keys } from "../lib/crypto";
import type { Logger } from "../lib/log";
import { createWorkerLoop, type WorkerLoop } from "../lib/worker-loop";
import { disableChannel } from "../services/channels";
import { type Composed, compose } from "./compose";
import { createLeases, type LeasedBatch, type Leases } from "./leases";
import type { Metrics } from "./metrics";
import { type Claimed, claimDue, type Outcome } from "./outbox";
import { type ChannelDisable, channelToDisable, deliveryLogFields, deliveryOutcome, handBack, outcomeFor } from "./outcome";
import type { Channels, OutboundMessage, SendResult } from "./types";

const OUTBOX_CHANNEL = "clausewatch_outbox";
/** The longest wait between rounds that fail (the database away), doubling from the poll interval. */
const MAX_BACKOFF_MS = 10_000;
/** A claimed batch waiting longer than this behind a slow one is released to other dispatchers. */
const MAX_WAIT_MS = 30_000;

interface DispatcherOptions {
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

/** One dispatcher's settings (defaults applied) and the state its steps share. */
interface Ctx {
  o: DispatcherOptions;
  db: Db;
  batchSize: number;
  concurrency: number;
  leaseMs: number;
  random: () => number;
  leases: Leases;
  /** set by stop(): nothing more is sent, batches still waiting go back */
  stopping: boolean;
  /** deliverBatch calls waiting on their sends: stop() calls them when its grace has run out */
  abandonWaiters: Set<() => void>;
}

interface Batch extends LeasedBatch {
  claimed: Claimed[];
  composed: Composed;
  /** when the lease began */
  at: Date;
}

/**
 * The outbox's only writer after queueing: claims due rows under a lease, asks each channel to
 * send, and alone decides the row's next state from the channel's SendResult (delivery/outcome.ts).
 */
export function createDispatcher(o: DispatcherOptions): Dispatcher {
  const leaseMs = o.leaseMs ?? 15_000;
  const ctx: Ctx = {
    o,
    db: o.database.db,
    batchSize: o.batchSize ?? 100,
    concurrency: o.concurrency ?? 16,
    leaseMs,
    random: o.random ?? Math.random,
    leases: createLeases({
      db: o.database.db,
      clock: o.clock,
      log: o.log,
      leaseMs,
      heartbeatMs: o.heartbeatMs ?? Math.round(leaseMs / 3),
    }),
    stopping: false,
    abandonWaiters: new Set(),
  };
  const pipeline = createPipeline(ctx, Math.max(1, o.pipelineDepth ?? 2));
  // A short round (the queue drained) waits for a wake-up or the poll; a failing one backs off.
  const loop = createWorkerLoop({
    name: "dispatcher",
    log: o.log,
    pollMs: o.pollMs ?? 1_000,
    maxBackoffMs: MAX_BACKOFF_MS,
    listen: (onNotify) => o.database.listen(OUTBOX_CHANNEL, onNotify),
    round: pipeline.round,
  });
  return {
    runOnce: (ids) => runOnce(ctx, ids),
    wake: () => loop.wake(),
    start: () => loop.start(),
    heartbeat: () => ctx.leases.heartbeat(),
    stop: () => stopDispatcher(ctx, loop, pipeline, o.stopGraceMs ?? 10_000),
  };
}

/**
 * Stops claiming, then waits for the batches already held: those not yet sending go back, the
 * sending one may finish until `graceMs`, when its sends still in flight are abandoned.
 */
async function stopDispatcher(ctx: Ctx, loop: WorkerLoop, pipeline: Pipeline, graceMs: number): Promise<void> {
  ctx.stopping = true;
  const grace = setTimeout(() => {
    for (const giveUp of ctx.abandonWaiters) giveUp();
  }, graceMs);
  try {
    await loop.stop();
    await pipeline.drain();
  } finally {
    clearTimeout(grace);
  }
}

async function runOnce(ctx: Ctx, ids?: readonly string[]): Promise<number> {
  if (ids?.length === 0) return 0;
  const { batch } = await claimBatch(ctx, ids);
  if (!batch) return 0;
  await deliverBatch(ctx, batch);
  return batch.claimed.length;
}

interface Pipeline {
  /** one round of the worker loop: true when there is more to do at once */
  round(): Promise<boolean>;
  /** resolves when every batch taken so far is recorded or handed back */
  drain(): Promise<void>;
}

/**
 * The running loop's rounds, pipelined: while one batch is sending, the next is claimed and
 * composed, so the sends never wait for a claim. Sends themselves go one batch at a time (a
 * batch's turn waits for the one before it to be recorded): a crash then re-sends at most one
 * batch's worth of delivered-but-unrecorded rows, as without pipelining. Up to `depth` batches
 * are held at once, every one kept by the heartbeat. A short batch means the queue is drained.
 */
function createPipeline(ctx: Ctx, depth: number): Pipeline {
  const inFlight = new Set<Promise<void>>();
  let previous: Promise<void> = Promise.resolve();
  const enqueue = (batch: Batch) => {
    const p: Promise<void> = previous
      .then(() => takeTurn(ctx, batch))
      .catch((err) => ctx.o.log.error("dispatcher batch failed", { error: err instanceof Error ? err.message : String(err) }))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    previous = p;
  };
  return {
    async round() {
      if (inFlight.size >= depth) {
        await Promise.race(inFlight);
        return true;
      }
      const { batch, considered } = await claimBatch(ctx);
      if (batch) enqueue(batch);
      return considered >= ctx.batchSize;
    },
    drain: async () => {
      await Promise.all(inFlight);
    },
  };
}

/**
 * A batch's turn to send. A waiting batch's rows are renewed, but past MAX_WAIT_MS behind stuck
 * sends other dispatchers should have them; on stop() it goes back untouched.
 */
function takeTurn(ctx: Ctx, batch: Batch): Promise<void> {
  if (ctx.stopping) return releaseBatch(ctx, batch, "stopping");
  if (ctx.o.clock.now().getTime() - batch.at.getTime() > MAX_WAIT_MS) return releaseBatch(ctx, batch, "waited");
  return deliverBatch(ctx, batch);
}

/**
 * Claims and composes one batch (null when nothing was claimed); `considered` counts the due
 * rows it looked at, claimed or held for quiet hours, so a batch of holds does not read as a drained queue.
 */
async function claimBatch(ctx: Ctx, ids?: readonly string[]): Promise<{ batch: Batch | null; considered: number }> {
  const { o, leaseMs } = ctx;
  const now = o.clock.now();
  const started = performance.now();
  const { claimed, held: quiet } = await claimDue(ctx.db, now, ids ? ids.length : ctx.batchSize, leaseMs, ids);
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
  ctx.leases.hold(batch);
  try {
    batch.composed = await compose(ctx.db, o.keys, o.publicUrl, claimed, now);
  } catch (err) {
    ctx.leases.unhold(batch);
    throw err;
  }
  return { batch, considered };
}

/**
 * Gives a batch's rows back, due now and with the claim's attempt returned: the dispatcher is
 * stopping, or the batch waited so long behind a slow one that others should have its rows.
 */
async function releaseBatch(ctx: Ctx, b: Batch, reason: "stopping" | "waited"): Promise<void> {
  const now = ctx.o.clock.now();
  if (reason === "waited")
    ctx.o.log.warn("claimed batch waited too long for its turn; released", {
      rows: b.claimed.length,
      waited_ms: now.getTime() - b.at.getTime(),
    });
  try {
    await ctx.leases.record(
      b,
      b.claimed.map((c) => handBack(c, false, now)),
    );
  } finally {
    ctx.leases.unhold(b);
  }
}

/** Sends a composed batch, `concurrency` at a time, then records it in one statement. */
async function deliverBatch(ctx: Ctx, b: Batch): Promise<void> {
  const { skipped } = b.composed;
  reportSkipped(ctx.o, skipped);
  const sends = await sendBatch(ctx, b);
  const later = ctx.o.clock.now();
  // Sends abandoned at the end of stop()'s grace may have gone out: their attempt counts.
  const back = [...sends.unsent.map((c) => handBack(c, false, later)), ...sends.abandoned.map((c) => handBack(c, true, later))];
  if (back.length > 0)
    ctx.o.log.info("claims handed back", { rows: back.length, in_flight: sends.abandoned.length, stopping: ctx.stopping });
  await recordBatch(ctx, b, [...skipped, ...sends.outcomes, ...back]);
  await disableChannels(ctx, sends.disables, later);
}

function reportSkipped(o: DispatcherOptions, skipped: Composed["skipped"]): void {
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
}

/** What a batch's sends came to, taken the moment they all ended or stop() abandoned them. */
interface Sends {
  outcomes: Outcome[];
  /** rows never sent: not sendable (stopping, lease short or lost) or not reached */
  unsent: Claimed[];
  /** rows whose send was still in flight when abandoned: it may have gone out */
  abandoned: Claimed[];
  /** live: an abandoned send that ends later can still report its channel gone */
  disables: ChannelDisable[];
}

/** Sends the batch's ready rows, `concurrency` at a time, until done or abandoned by stop(). */
async function sendBatch(ctx: Ctx, b: Batch): Promise<Sends> {
  const { ready } = b.composed;
  const outcomes: Outcome[] = [];
  const disables: ChannelDisable[] = [];
  const unsent: Claimed[] = [];
  const inFlight = new Map<string, Claimed>();
  let next = 0;
  const worker = async () => {
    while (next < ready.length) {
      const { claimed: c, msg } = ready[next++];
      if (!maySend(ctx, b, c.id)) {
        unsent.push(c);
        continue;
      }
      inFlight.set(c.id, c);
      const { outcome, disable } = await sendOne(ctx, c, msg);
      inFlight.delete(c.id);
      outcomes.push(outcome);
      if (disable) disables.push(disable);
    }
  };
  const all = Promise.all(Array.from({ length: Math.min(ctx.concurrency, ready.length) }, worker));
  const gaveUp = await unlessAbandoned(ctx.abandonWaiters, all);
  if (gaveUp) {
    // the workers still waiting on a send must take nothing more
    for (const r of ready.slice(next)) unsent.push(r.claimed);
    next = ready.length;
  }
  // copies: a send that ends after this point is not recorded as sent (its row goes back as in flight)
  return { outcomes: [...outcomes], unsent: [...unsent], abandoned: gaveUp ? [...inFlight.values()] : [], disables };
}

/** Waits for `work` unless stop()'s grace runs out first (it calls every waiter): true when abandoned. */
async function unlessAbandoned(waiters: Set<() => void>, work: Promise<unknown>): Promise<boolean> {
  let giveUp = () => {};
  const abandoned = new Promise<boolean>((resolve) => {
    giveUp = () => resolve(true);
  });
  waiters.add(giveUp);
  return Promise.race([work.then(() => false), abandoned]).finally(() => waiters.delete(giveUp));
}

/**
 * May this row be sent now? Not once stopping, not if a heartbeat found it taken, and not when
 * the lease the database last confirmed has less than a third left (renewals are failing):
 * another dispatcher may claim it before our send ends.
 */
const maySend = (ctx: Ctx, b: Batch, id: string) =>
  !ctx.stopping && b.open.has(id) && b.leaseUntil - ctx.o.clock.now().getTime() > ctx.leaseMs / 3;

/** One send: the provider's answer, its metrics and log line, and the outcome to record. */
async function sendOne(ctx: Ctx, c: Claimed, msg: OutboundMessage): Promise<{ outcome: Outcome; disable?: ChannelDisable }> {
  const { o } = ctx;
  const type = msg.channel.type;
  const started = performance.now();
  const r = await askProvider(o.channels, msg);
  const latencyMs = performance.now() - started;
  o.metrics.observeSend(type, latencyMs / 1000);
  trackHeldProvider(o, type, r);
  const now = o.clock.now();
  const outcome = outcomeFor(c, r, now, ctx.random);
  if (r.kind === "retry" && outcome.nextAttemptAt) {
    const delay = outcome.nextAttemptAt.getTime() - now.getTime();
    o.log.debug("send will be retried", { id: msg.id, attempt: c.attempts, delay_ms: delay, reason: r.reason });
  }
  const result = deliveryOutcome(outcome, r);
  o.metrics.delivery(type, result);
  // An alert is opened by the fan-out of its first event, so its created_at is that event's receipt.
  if (result === "sent" && c.kind === "alert")
    o.metrics.observeDeliveryLatency(type, (now.getTime() - new Date(c.created_at).getTime()) / 1000);
  o.log.info("delivery", deliveryLogFields(c, msg, r, result, latencyMs));
  return { outcome, disable: channelToDisable(msg.channel.id, r) };
}

/** The channel's answer; a channel should classify everything, so an exception is treated as transient. */
async function askProvider(channels: Channels, msg: OutboundMessage): Promise<SendResult> {
  try {
    return await channels[msg.channel.type].send(msg);
  } catch (err) {
    return { kind: "retry", reason: `unexpected error: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Keeps the provider-held gauge and its log lines in step: an error when sends stop, a warning when they resume. */
function trackHeldProvider(o: DispatcherOptions, type: OutboundMessage["channel"]["type"], r: SendResult): void {
  if (r.kind === "held") {
    if (!o.metrics.isHeld(type))
      o.log.error(`${type} sends are HELD: the provider refuses our credentials`, { reason: r.reason });
    o.metrics.setHeld(type, true, r.reason);
  } else if (o.metrics.isHeld(type) && r.kind === "sent") {
    o.log.warn(`${type} sends resumed`);
    o.metrics.setHeld(type, false);
  }
}

/** Records a delivered batch's outcomes and hand-backs in one statement; the batch is no longer held. */
async function recordBatch(ctx: Ctx, b: Batch, all: Outcome[]): Promise<void> {
  const started = performance.now();
  let recorded: number;
  try {
    recorded = await ctx.leases.record(b, all);
  } finally {
    ctx.leases.unhold(b);
  }
  ctx.o.log.debug("outbox complete", { rows: all.length, recorded, duration_ms: Math.round(performance.now() - started) });
}

/** Disables the channels a provider said are gone (webhook 410, Slack channel and auth errors). */
async function disableChannels(ctx: Ctx, disables: ChannelDisable[], at: Date): Promise<void> {
  for (const d of disables) {
    ctx.o.log.warn("channel disabled by its provider", { channel_id: d.id, reason: d.reason });
    await disableChannel(ctx.db, { id: d.id }, d.reason, at);
  }
}

/** Tells other replicas' dispatchers there is work (PostgreSQL; a no-op cost on PGlite). */
export async function notifyOutbox(database: Database): Promise<void> {
  if (database.kind === "postgres") await database.db.execute(sql.raw(`notify ${OUTBOX_CHANNEL}`));
}
