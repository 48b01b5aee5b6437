/**
 * Audit export benchmark: one Professional user with 100,000 export rows (25,000 notifications
 * carrying 4 events each), exported through the real HTTP app as JSON and as CSV, against a
 * baseline that reads the same keyset chunks and throws them away (no formatting, no hashing, no
 * stream). Reports rows/s and peak RSS above the level after seeding: a streamed export stays
 * near the baseline, where one built in memory would grow by at least the size of its body.
 *
 *   npm run bench:audit                         # in-memory PGlite, 100,000 rows
 *   npm run bench:audit -- --db postgres        # BENCH_AUDIT_DATABASE_URL or …/clausewatch_bench_audit (schema rebuilt)
 *   npm run bench:audit -- --rows 20000 --events 2
 *
 * PGlite runs inside this process, so its memory is in the RSS too; that is why every figure is a
 * delta over the RSS after seeding (and a first export warms the engine up before measuring).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { createApp } from "../src/app";
import { openDatabase } from "../src/db/client";
import { auditChunks } from "../src/db/queries/audit";
import { type Database, rows } from "../src/db/types";
import { acceptEvent } from "../src/ingest/ingest";
import { systemClock } from "../src/lib/clock";
import { createKeys, randomBytes } from "../src/lib/crypto";
import type { ChangeEvent } from "../src/lib/event-schema";
import { silentLogger } from "../src/lib/log";
import { createUser } from "../src/services/users";

const { values: args } = parseArgs({
  options: {
    db: { type: "string", default: "pglite" },
    rows: { type: "string", default: "100000" },
    events: { type: "string", default: "4" },
  },
});
const ROWS = Number(args.rows);
const PER = Number(args.events);
if (args.db !== "pglite" && args.db !== "postgres") throw new Error("--db is pglite or postgres");
if (!(ROWS >= 1000 && PER >= 1 && PER <= 20 && ROWS % PER === 0)) throw new Error("--rows ≥ 1000, a multiple of --events (1–20)");
const NOTIFICATIONS = ROWS / PER;
const DISTINCT_EVENTS = 20;

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function open(): Promise<Database> {
  if (args.db === "pglite") return openDatabase({});
  const url = process.env.BENCH_AUDIT_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/clausewatch_bench_audit";
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = postgres(url, { database: "postgres", max: 1, onnotice: () => {} });
  const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
  if (!exists) await admin.unsafe(`create database "${name.replace(/"/g, '""')}"`);
  await admin.end();
  const conn = postgres(url, { max: 1, onnotice: () => {} });
  await conn.unsafe("drop schema if exists public cascade; drop schema if exists drizzle cascade; create schema public");
  await conn.end();
  return openDatabase({ url, max: 2 });
}

const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** Peak RSS and JS heap while `f` runs, sampled every 5 ms (and at the end). */
async function measure<T>(f: () => Promise<T>): Promise<{ result: T; ms: number; peakRss: number; peakHeap: number }> {
  gc();
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 5);
  const t = performance.now();
  try {
    const result = await f();
    const ms = performance.now() - t;
    sample();
    return { result, ms, peakRss, peakHeap };
  } finally {
    clearInterval(timer);
  }
}

async function main() {
  const database = await open();
  const { db } = database;
  const now = new Date();
  console.log(
    `clausewatch audit export benchmark — ${database.kind}, ${fmt(ROWS)} rows (${fmt(NOTIFICATIONS)} notifications × ${PER} events)`,
  );

  const t = performance.now();
  const { user, apiKey } = await createUser(
    db,
    { email: `bench-${Date.now()}@example.com`, tier: "professional", timezone: "UTC", trial: null },
    now,
  );
  const template = JSON.parse(
    readFileSync(new URL("../test/fixtures/events/05-anthropic-arbitration.json", import.meta.url), "utf8"),
  ) as ChangeEvent;
  const eventIds: string[] = [];
  for (let i = 0; i < DISTINCT_EVENTS; i++) {
    const e: ChangeEvent = { ...structuredClone(template), id: `evt_bench_${now.getTime()}_${i}` };
    await acceptEvent(db, e, JSON.stringify(e), now);
    eventIds.push(e.id);
  }
  const base = new Date(now.getTime() - NOTIFICATIONS * 1000);
  await db.execute(sql`insert into notifications (user_id, channel_id, kind, status, attempts, next_attempt_at, created_at, updated_at, sent_at, provider_message_id)
    select ${user.id}, c.id, 'alert', 'sent', 1, t, t, t, t, 'msg_' || g
    from channels c, (select g, ${base.toISOString()}::timestamptz + make_interval(secs => g) as t from generate_series(1, ${NOTIFICATIONS}) g) s
    where c.user_id = ${user.id}`);
  await db.execute(sql`insert into notification_events (notification_id, event_id)
    select n.id, (${JSON.stringify(eventIds)}::jsonb)->>((dense_rank() over (order by n.id) + k)::int % ${DISTINCT_EVENTS})
    from notifications n cross join generate_series(0, ${PER - 1}) k
    where n.user_id = ${user.id}`);
  const [{ n: seeded }] = await rows<{ n: number }>(
    db,
    sql`select count(*)::int as n from notification_events ne join notifications n on n.id = ne.notification_id where n.user_id = ${user.id}`,
  );
  if (seeded !== ROWS) throw new Error(`seeded ${seeded} rows, wanted ${ROWS}`);
  await db.execute(sql`analyze`); // fresh statistics, as autovacuum would have them
  console.log(`seeded in ${fmt(performance.now() - t)} ms`);

  const app = createApp({
    database,
    clock: systemClock,
    keys: await createKeys(randomBytes(32)),
    config: {
      adminToken: "x".repeat(32),
      ingestSecret: "whsec_unused",
      publicUrl: "http://bench.invalid",
      allowPrivateWebhookTargets: false,
    },
    log: silentLogger,
  });

  const baseline = async () => {
    let n = 0;
    for await (const chunk of auditChunks(db, user.id, { cutoff: new Date() })) n += chunk.length;
    return { rows: n, bytes: 0 };
  };
  const exportAs = (format: "json" | "csv") => async () => {
    const res = await app.request(`/v1/audit/export?format=${format}`, { headers: { authorization: `Bearer ${apiKey}` } });
    if (res.status !== 200 || !res.body) throw new Error(`export answered ${res.status}`);
    const reader = res.body.getReader();
    let bytes = 0;
    let reads = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      reads++;
    }
    const id = res.headers.get("x-export-id") as string;
    const rec = await app.request(`/v1/audit/exports/${id}`, { headers: { authorization: `Bearer ${apiKey}` } });
    const body = (await rec.json()) as { status: string; rows: number; bytes: number };
    if (body.status !== "complete" || body.rows !== ROWS || body.bytes !== bytes)
      throw new Error(`export record: ${JSON.stringify(body)}`);
    return { rows: body.rows, bytes, reads };
  };

  await exportAs("json")(); // warm-up: query plans, JIT, PGlite's own buffers
  await baseline();
  gc();
  const floor = process.memoryUsage();
  console.log(
    `after seeding and a warm-up export: RSS ${mb(floor.rss)}, JS heap ${mb(floor.heapUsed)}${(globalThis as { gc?: unknown }).gc ? "" : " (run with --expose-gc for steadier figures)"}\n`,
  );

  const table: string[][] = [["", "rows", "ms", "rows/s", "body", "peak RSS Δ", "peak heap Δ", "vs baseline"]];
  let baseRate = 0;
  for (const [name, f] of [
    ["baseline: select + discard", baseline],
    ["export json", exportAs("json")],
    ["export csv", exportAs("csv")],
  ] as const) {
    const m = await measure(f);
    const rate = (m.result.rows / m.ms) * 1000;
    if (!baseRate) baseRate = rate;
    table.push([
      name,
      fmt(m.result.rows),
      fmt(m.ms),
      fmt(rate),
      m.result.bytes ? mb(m.result.bytes) : "–",
      mb(Math.max(0, m.peakRss - floor.rss)),
      mb(Math.max(0, m.peakHeap - floor.heapUsed)),
      `${((rate / baseRate) * 100).toFixed(0)} %`,
    ]);
  }
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  for (const r of table) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
  console.log(
    "\npeak Δ: the highest RSS / JS heap while the run streams, above the level after seeding; an export built in memory would add at least its body.",
  );
  await database.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
