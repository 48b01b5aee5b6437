import { sql } from "drizzle-orm";
import { instant } from "../db/sql";
import { type Db, rows, textArray } from "../db/types";
import type { Dispatcher } from "../delivery/dispatcher";
import { fanOutPending } from "../ingest/fanout-worker";
import type { Logger } from "../lib/log";
import type { DeliveryMessage, FanoutMessage, MessageBatch, Queue } from "./bindings";

/** Queues delay a message by at most 12 h; the outbox's longest wait (10 h + 20 % jitter) fits. */
const MAX_DELAY_SECONDS = 43_200;
/** How many due rows one sweep enqueues; the next minute's sweep takes the rest. */
const SWEEP_LIMIT = 1_000;
/** Events fanned out per transaction, and rounds per fan-out message batch. */
const FANOUT_BATCH = 100;
const FANOUT_ROUNDS = 10;

interface Due {
  id: string;
  next_attempt_at: Date | string;
}

const delayFor = (at: Date | string, now: Date) =>
  Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((new Date(at).getTime() - now.getTime()) / 1000)));

/**
 * Wakes the delivery consumer for these rows, each at its `next_attempt_at` (queue messages carry
 * a delay; Queues sends at most 100 messages per call).
 */
async function enqueueDeliveries(queue: Queue<DeliveryMessage>, due: readonly Due[], now: Date): Promise<number> {
  for (let i = 0; i < due.length; i += 100) {
    await queue.sendBatch(
      due.slice(i, i + 100).map((d) => ({ body: { notification_id: d.id }, delaySeconds: delayFor(d.next_attempt_at, now) })),
    );
  }
  return due.length;
}

/**
 * The due-row sweep: every row the dispatcher could claim now (pending and due, or `sending`
 * with its lease run out) gets a wake-up. The cron runs it every minute, so a lost or
 * dead-lettered message delays a row by a minute at most; it also follows every commit that
 * queued something (`onQueued`: digests run by hand, test messages, verification emails).
 */
export async function sweepDue(db: Db, queue: Queue<DeliveryMessage>, now: Date, limit = SWEEP_LIMIT): Promise<number> {
  const due = await rows<Due>(
    db,
    sql`select id, next_attempt_at from notifications
      where status in ('pending', 'sending') and next_attempt_at <= ${instant(now)}
      order by next_attempt_at limit ${limit}`,
  );
  return enqueueDeliveries(queue, due, now);
}

/** The open alerts these events joined, with when each comes due (the end of its grouping window). */
async function alertsOf(db: Db, eventIds: readonly string[]): Promise<Due[]> {
  if (eventIds.length === 0) return [];
  return rows<Due>(
    db,
    sql`select distinct n.id, n.next_attempt_at from notification_events ne
      join notifications n on n.id = ne.notification_id
      where ne.event_id = any(${textArray(eventIds)}) and n.status = 'pending'`,
  );
}

export interface FanoutConsumed {
  events: number;
  alerts: number;
  /** another fan-out held the lock: the batch is retried shortly */
  busy: boolean;
}

/**
 * The fan-out consumer: the messages are wake-ups (their event ids are logged, not trusted to be
 * the only pending ones), so it fans out everything pending in arrival order, under the same
 * transaction-scoped lock as Node, then wakes delivery for the alerts those events joined, each
 * due at the end of its grouping window.
 */
export async function consumeFanout(
  o: { db: Db; now: () => Date; log: Logger; delivery: Queue<DeliveryMessage> },
  batch: MessageBatch<FanoutMessage>,
): Promise<FanoutConsumed> {
  const out: FanoutConsumed = { events: 0, alerts: 0, busy: false };
  for (let round = 0; round < FANOUT_ROUNDS; round++) {
    const now = o.now();
    const r = await fanOutPending(o.db, now, { batchSize: FANOUT_BATCH, log: o.log });
    if (r.busy) {
      // The holder selected its batch before our event may have committed: look again soon.
      out.busy = true;
      batch.retryAll({ delaySeconds: 2 });
      return out;
    }
    out.events += r.events;
    out.alerts += await enqueueDeliveries(o.delivery, await alertsOf(o.db, r.eventIds), now);
    if (r.events < FANOUT_BATCH) break;
  }
  batch.ackAll();
  o.log.debug("fan-out messages", { messages: batch.messages.length, event_ids: batch.messages.map((m) => m.body.event_id) });
  return out;
}

export interface DeliveryConsumed {
  claimed: number;
  /** rows still pending with a later due time (a retry, quiet hours, a held provider): message retried then */
  later: number;
}

/**
 * The delivery consumer: claims exactly the rows the messages name, through the same lease as
 * Node's dispatcher (SKIP LOCKED, `attempts` fence), sends and records them. Then each message
 * follows its row: finished → ack; pending and due later → retried at that time (with
 * `max_retries` equal to the outbox's retries, a row's messages last as long as its schedule);
 * held by another consumer → ack (its lease, and the sweep, cover it); due but skipped (an
 * ingest was joining it) → retried in a few seconds.
 */
export async function consumeDelivery(
  o: { db: Db; now: () => Date; dispatcher: Dispatcher },
  batch: MessageBatch<DeliveryMessage>,
): Promise<DeliveryConsumed> {
  const ids = [...new Set(batch.messages.map((m) => m.body.notification_id))];
  const claimed = await o.dispatcher.runOnce(ids);
  const now = o.now();
  const state = await rows<{ id: string; status: string; next_attempt_at: Date | string }>(
    o.db,
    sql`select id, status, next_attempt_at from notifications where id = any(${textArray(ids)})`,
  );
  const byId = new Map(state.map((s) => [s.id, s]));
  let later = 0;
  for (const m of batch.messages) {
    const row = byId.get(m.body.notification_id);
    if (row?.status !== "pending") m.ack();
    else if (new Date(row.next_attempt_at).getTime() > now.getTime()) {
      later++;
      m.retry({ delaySeconds: Math.max(1, delayFor(row.next_attempt_at, now)) });
    } else m.retry({ delaySeconds: 2 });
  }
  return { claimed, later };
}
