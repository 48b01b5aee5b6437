import type { Database } from "../db/types";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/log";
import { finishTick, minuteSlot } from "./coordinator";

/** What a run did, for its `job run` log line (e.g. `{ digests: 3, notifications: 5 }`). */
export type JobCounts = Record<string, number>;

export interface Job {
  name: string;
  run(now: Date): Promise<JobCounts | undefined>;
}

/**
 * One run of a job in the tick it won: the job, then its tick marked finished, then one `job run`
 * line (info on success, error on failure). Never throws: the next tick is another chance.
 */
export async function runJob(o: { database: Database; clock: Clock; log: Logger }, job: Job): Promise<void> {
  const now = o.clock.now();
  const started = performance.now();
  try {
    const counts = await job.run(now);
    await finishTick(o.database.db, job.name, minuteSlot(now), o.clock.now());
    o.log.info("job run", { name: job.name, outcome: "ok", duration_ms: Math.round(performance.now() - started), ...counts });
  } catch (err) {
    o.log.error("job run", {
      name: job.name,
      outcome: "failed",
      duration_ms: Math.round(performance.now() - started),
      error: err instanceof Error ? err.stack : String(err),
    });
  }
}
