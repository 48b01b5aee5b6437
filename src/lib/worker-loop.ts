import type { Logger } from "./log";

/**
 * A background worker's loop: run a round; when the round says the queue is drained, wait for a
 * wake-up (in process, or a NOTIFY from another replica) or the poll interval; when a round
 * throws (typically the database is away) back off, doubling up to `maxBackoffMs`, so an outage
 * costs a log line every few seconds rather than one per poll. A wake-up always cuts the wait short.
 *
 * @example
 * const loop = createWorkerLoop({ name: "fan-out", log, round: async () => (await work()) === batch });
 * await loop.start(); loop.wake(); await loop.stop();
 */
export interface WorkerLoopOptions {
  /** for log lines */
  name: string;
  log: Logger;
  /** one round; true when there is more work right away (a full batch) */
  round: () => Promise<boolean>;
  pollMs?: number;
  maxBackoffMs?: number;
  /** cross-process wake-ups: subscribe, answer an unsubscribe */
  listen?: (onNotify: () => void) => Promise<() => Promise<void>>;
}

export interface WorkerLoop {
  start(): Promise<void>;
  /** lets the current round finish, then stops */
  stop(): Promise<void>;
  wake(): void;
}

export function createWorkerLoop(o: WorkerLoopOptions): WorkerLoop {
  const pollMs = o.pollMs ?? 1_000;
  const maxBackoffMs = o.maxBackoffMs ?? 10_000;
  let running = false;
  let loop: Promise<void> | null = null;
  let wakeUp: (() => void) | null = null;
  let woken = false;
  let unlisten: (() => Promise<void>) | null = null;

  const sleep = (ms: number) =>
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

  async function run() {
    let failures = 0;
    while (running) {
      let more = false;
      try {
        more = await o.round();
        failures = 0;
      } catch (err) {
        failures++;
        o.log.error(`${o.name} round failed`, { error: err instanceof Error ? err.message : String(err), failures });
      }
      if (running && !more) await sleep(Math.min(pollMs * 2 ** failures, maxBackoffMs));
    }
  }

  const wake = () => {
    if (wakeUp) wakeUp();
    else woken = true;
  };

  return {
    wake,
    async start() {
      if (running) return;
      running = true;
      if (o.listen) unlisten = await o.listen(wake);
      loop = run();
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
      // with the database away UNLISTEN fails; the session (and its LISTEN) ends with the pool anyway
      await unlisten?.().catch((err) => o.log.warn(`${o.name}: unlisten failed`, { error: String(err) }));
    },
  };
}
