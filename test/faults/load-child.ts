/**
 * A process that keeps PostgreSQL busy through src/db/client.ts while the fault test crashes the
 * server under it: transactions carrying 64 KiB parameters (so writes are in flight when the
 * server dies), plain queries, pings and a LISTEN. It reports its counters to the parent over
 * IPC; it must never exit on its own. Configured by environment (a test entry point).
 */
import { sql } from "drizzle-orm";
import { openDatabase } from "../../src/db/client";
import { rows } from "../../src/db/types";
import { isUnavailableError } from "../../src/lib/errors";

export interface LoadStatus {
  ready: boolean;
  ok: number;
  unavailable: number;
  /** errors isUnavailableError does not classify: each one would be a 500 instead of a 503 */
  other: number;
  otherSamples: string[];
  notifies: number;
}

const status: LoadStatus = { ready: false, ok: 0, unavailable: 0, other: 0, otherSamples: [], notifies: 0 };
const report = () => process.send?.(status);

const database = await openDatabase({ url: process.env.DATABASE_URL, max: 6 });
const { db } = database;
await db.execute(sql`create table if not exists fault_load (id bigserial primary key, body text not null)`);
await database.listen("fault_test", () => {
  status.notifies++;
  report();
});

const big = "x".repeat(64 * 1024);
const work: (() => Promise<unknown>)[] = [
  () =>
    db.transaction(async (tx) => {
      await tx.execute(sql`insert into fault_load (body) values (${big})`);
      await tx.execute(sql`select pg_sleep(0.005)`);
      await tx.execute(sql`delete from fault_load where id = (select min(id) from fault_load)`);
    }),
  () =>
    db.transaction(async (tx) => {
      await rows(tx, sql`select length(${big}::text) as n`);
      await tx.execute(sql`select pg_sleep(0.002)`);
    }),
  () => rows(db, sql`select length(${big}::text) as n, pg_sleep(0.003)`),
  () => rows(db, sql`select count(*)::int as n from fault_load`),
  () => database.ping(),
];

let running = true;
async function loop(fn: () => Promise<unknown>) {
  while (running) {
    try {
      await fn();
      status.ok++;
    } catch (err) {
      if (isUnavailableError(err)) status.unavailable++;
      else {
        status.other++;
        const cause = (err as { cause?: unknown }).cause;
        if (status.otherSamples.length < 10) status.otherSamples.push(`${String(err)} | cause: ${String(cause)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const loops = work.flatMap((fn) => [loop(fn), loop(fn)]);
const ticker = setInterval(report, 50);
status.ready = true;
report();

process.on("SIGTERM", async () => {
  running = false;
  clearInterval(ticker);
  await Promise.all(loops);
  await database.close();
  process.exit(0);
});
