import type { Db } from "../db/types";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/log";
import { type Claimed, complete, extendLeases, type Outcome } from "./outbox";

/** What the lease keeper needs of a claimed batch. */
export interface LeasedBatch {
  /** the lease end the database last confirmed for this batch (ms) */
  leaseUntil: number;
  /** rows still claimed by us and not yet recorded: what a heartbeat renews */
  open: Map<string, Claimed>;
}

/**
 * The dispatcher's claims while it holds them: renewed by a heartbeat, ended by recording their
 * outcomes. Every statement that touches a lease goes through here, one after another.
 */
export interface Leases {
  /** keeps a batch's rows renewed (the heartbeat timer runs while any batch is held) */
  hold(b: LeasedBatch): void;
  /** stops renewing a batch (recorded or handed back) */
  unhold(b: LeasedBatch): void;
  /** renews the leases of every held batch now; returns how many rows are still ours */
  heartbeat(): Promise<number>;
  /** records outcomes and forgets their rows (they are no longer ours to renew) */
  record(b: LeasedBatch, outcomes: Outcome[]): Promise<number>;
}

/**
 * Drops from each batch the rows the database no longer confirms as ours and moves every batch's
 * lease end on; returns how many rows were dropped.
 */
function forgetLost(batches: LeasedBatch[], kept: Set<string>, leaseUntil: number): number {
  let lost = 0;
  for (const b of batches) {
    for (const id of b.open.keys())
      if (!kept.has(id)) {
        b.open.delete(id);
        lost++;
      }
    b.leaseUntil = leaseUntil;
  }
  return lost;
}

/**
 * Runs lease statements one after another: a renewal then never lands after a hand-back, where
 * it could extend a row that another dispatcher has meanwhile claimed with the same `attempts`.
 */
function createSerial(): <T>(f: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return <T>(f: () => Promise<T>): Promise<T> => {
    const p = chain.then(f, f);
    chain = p.catch(() => {});
    return p;
  };
}

export function createLeases(o: { db: Db; clock: Clock; log: Logger; leaseMs: number; heartbeatMs: number }): Leases {
  /** Batches claimed and not yet recorded, waiting or sending: the heartbeat renews all of them. */
  const held = new Set<LeasedBatch>();
  let timer: NodeJS.Timeout | null = null;
  const serial = createSerial();

  const heartbeat = (): Promise<number> =>
    serial(async () => {
      const batches = [...held];
      const mine = batches.flatMap((b) => [...b.open.values()]);
      if (mine.length === 0) return 0;
      const now = o.clock.now();
      try {
        const kept = await extendLeases(o.db, now, mine, o.leaseMs);
        const lost = forgetLost(batches, kept, now.getTime() + o.leaseMs);
        // Our lease ran out (a long outage) and another dispatcher took these rows: we send none of them.
        if (lost > 0) o.log.warn("claims lost to another dispatcher; not sending them", { rows: lost });
        return kept.size;
      } catch (err) {
        o.log.warn("lease heartbeat failed", { error: err instanceof Error ? err.message : String(err), rows: mine.length });
        return 0;
      }
    });

  return {
    heartbeat,
    hold(b) {
      held.add(b);
      // unref: the sends keep the process alive while there is something to renew
      timer ??= setInterval(() => void heartbeat(), o.heartbeatMs).unref();
    },
    unhold(b) {
      held.delete(b);
      if (held.size === 0 && timer) {
        clearInterval(timer);
        timer = null;
      }
    },
    record: (b, outcomes) =>
      serial(async () => {
        const ours = outcomes.filter((x) => b.open.has(x.id));
        return complete(o.db, o.clock.now(), ours).finally(() => {
          for (const x of ours) b.open.delete(x.id);
        });
      }),
  };
}
