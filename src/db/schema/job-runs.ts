import { pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { ts } from "./columns";

/**
 * Scheduled jobs claim their tick here (INSERT … ON CONFLICT DO NOTHING), so with several
 * replicas each minute's planner run happens once.
 */
export const jobRuns = pgTable(
  "job_runs",
  {
    name: text("name").notNull(),
    slot: ts("slot").notNull(),
    startedAt: ts("started_at").notNull(),
    finishedAt: ts("finished_at"),
  },
  (t) => [primaryKey({ columns: [t.name, t.slot] })],
);
