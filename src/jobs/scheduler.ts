import cron from "node-cron";
import type { Database } from "../db/types";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/log";
import { claimTick, finishTick, minuteSlot } from "./coordinator";

export interface Job {
  name: string;
  run(now: Date): Promise<void>;
}

/**
 * Runs each job every minute (node-cron). With several replicas, node-cron asks the run
 * coordinator first, and ours answers from a Postgres row per (job, minute): one run per tick.
 */
export function startScheduler(o: { database: Database; clock: Clock; log: Logger; jobs: Job[] }) {
  const { db } = o.database;
  const tasks = o.jobs.map((job) =>
    cron.schedule(
      "* * * * *",
      async () => {
        const now = o.clock.now();
        try {
          await job.run(now);
          await finishTick(db, job.name, minuteSlot(now), o.clock.now());
        } catch (err) {
          o.log.error(`job ${job.name} failed`, { error: err instanceof Error ? err.stack : String(err) });
        }
      },
      {
        name: job.name,
        noOverlap: true,
        distributed: true,
        runCoordinator: { shouldRun: () => claimTick(db, job.name, minuteSlot(o.clock.now()), o.clock.now()) },
      },
    ),
  );
  return {
    async stop() {
      for (const t of tasks) await t.stop();
    },
  };
}
