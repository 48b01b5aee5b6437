import cron from "node-cron";
import type { Database } from "../db/types";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/log";
import { claimTick, minuteSlot } from "./coordinator";
import { type Job, runJob } from "./run";

// the run itself is runtime-neutral (the Worker's cron uses it too)
export { runJob } from "./run";

/**
 * Claims this minute's tick for a job, or skips it when the claim fails (the database away): the
 * next tick is another chance. node-cron would skip too, but log through its own console logger.
 */
async function claimTickOrSkip(o: { database: Database; clock: Clock; log: Logger }, name: string): Promise<boolean> {
  try {
    return await claimTick(o.database.db, name, minuteSlot(o.clock.now()), o.clock.now());
  } catch (err) {
    o.log.warn("job tick skipped: claim failed", { name, error: err instanceof Error ? err.message : String(err) });
    return false;
  }
}

/**
 * Runs each job every minute (node-cron). With several replicas, node-cron asks the run
 * coordinator first, and ours answers from a Postgres row per (job, minute): one run per tick.
 */
export function startScheduler(o: { database: Database; clock: Clock; log: Logger; jobs: Job[] }) {
  const tasks = o.jobs.map((job) =>
    cron.schedule("* * * * *", () => runJob(o, job), {
      name: job.name,
      noOverlap: true,
      distributed: true,
      runCoordinator: { shouldRun: () => claimTickOrSkip(o, job.name) },
    }),
  );
  return {
    async stop() {
      for (const t of tasks) await t.stop();
    },
  };
}
