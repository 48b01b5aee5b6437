import { sql } from "drizzle-orm";
import { instant } from "../db/sql";
import { type Db, rows } from "../db/types";

/** The minute a tick belongs to: every replica computes the same slot. */
export const minuteSlot = (d: Date) => new Date(Math.floor(d.getTime() / 60_000) * 60_000);

/**
 * True for exactly one caller per (job, slot), whichever replica asks first.
 * node-cron's `runCoordinator.shouldRun` has this shape; a Postgres row makes it cluster-wide.
 */
export async function claimTick(db: Db, name: string, slot: Date, now: Date): Promise<boolean> {
  const won = await rows<{ name: string }>(
    db,
    sql`insert into job_runs (name, slot, started_at) values (${name}, ${instant(slot)}, ${instant(now)})
      on conflict do nothing returning name`,
  );
  return won.length === 1;
}

export async function finishTick(db: Db, name: string, slot: Date, now: Date): Promise<void> {
  await db.execute(
    sql`update job_runs set finished_at = ${instant(now)}
      where name = ${name} and slot = ${instant(slot)}`,
  );
}
