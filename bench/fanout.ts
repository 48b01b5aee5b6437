/**
 * Fan-out benchmark: one event for the most-watched platform, posted through the real HTTP app
 * (signed like the pipeline signs it), against one bare INSERT … SELECT writing as many rows,
 * on the same database in the same run.
 *
 *   npm run bench:fanout                          # in-memory PGlite, 100,000 users
 *   npm run bench:fanout -- --db postgres         # BENCH_DATABASE_URL or …/clausewatch_bench (schema rebuilt)
 *   npm run bench:fanout -- --users 20000 --reps 7 --warmup 2
 *
 * Every repetition starts from the same state: the previous event's alerts were closed (what the
 * dispatcher does when it claims them), so the event opens one alert per eligible channel. A
 * second series posts critical events into open alerts that quiet hours hold back (grouping, and
 * the critical pull-forward). Fan-out and bare statement alternate, so both see the same load.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { createApp } from "../src/app";
import type { Db } from "../src/db/types";
import { rows } from "../src/db/types";
import { fanOutStatement } from "../src/ingest/fanout";
import { drainFanout } from "../src/ingest/fanout-worker";
import { acceptEvent } from "../src/ingest/ingest";
import { systemClock } from "../src/lib/clock";
import { createKeys, randomBytes, toBase64 } from "../src/lib/crypto";
import { type ChangeEvent, eventFacts } from "../src/lib/event-schema";
import { silentLogger } from "../src/lib/log";
import { PLATFORMS, platformSlug, seed } from "./fanout-seed";
import { cpuProbe, DEFAULT_BENCH_URL, fmt, median, openBenchDatabase } from "./fanout-support";

const { values: args } = parseArgs({
  options: {
    db: { type: "string", default: "pglite" },
    users: { type: "string", default: "100000" },
    reps: { type: "string", default: "5" },
    warmup: { type: "string", default: "2" },
    /** "analyzed" (default) or "none": seed without ANALYZE, to see the plans without statistics */
    stats: { type: "string", default: "analyzed" },
    /** print EXPLAIN ANALYZE of the fan-out statement for one event (rolled back) */
    explain: { type: "boolean", default: false },
  },
});
const USERS = Number(args.users);
const REPS = Number(args.reps);
const WARMUP = Number(args.warmup);
const kind = args.db;
if (kind !== "pglite" && kind !== "postgres") throw new Error("--db is pglite or postgres");
if (args.stats !== "analyzed" && args.stats !== "none") throw new Error("--stats is analyzed or none");
if (!(USERS >= 100 && REPS >= 1 && WARMUP >= 0)) throw new Error("--users ≥ 100, --reps ≥ 1, --warmup ≥ 0");

interface Sample {
  ms: number;
  cpu: number | null;
}

async function main() {
  const database = await openBenchDatabase(kind as "pglite" | "postgres", process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_URL);
  const db = database.db;
  const cpu = await cpuProbe(database);
  console.log(`clausewatch fan-out benchmark — ${database.kind}, ${fmt(USERS)} users, ${PLATFORMS} platforms`);

  const t = performance.now();
  const stats = await seed(db, USERS, new Date(), { analyze: args.stats === "analyzed" });
  const tiers = Object.entries(stats.users).map(([k, v]) => `${fmt(v)} ${k}`);
  console.log(
    `seeded in ${fmt(performance.now() - t)} ms: ${tiers.join(", ")}; ${fmt(stats.watches)} watches, ` +
      `${fmt(stats.channels)} channels; ${stats.topPlatform} is watched by ${(stats.topShare * 100).toFixed(1)} % of users`,
  );

  // The bare statement's table: digest_items' columns, its unique index, no other index, no FKs.
  await db.execute(sql`create table bench_bare (like digest_items including defaults)`);
  await db.execute(sql`create unique index bench_bare_key on bench_bare (user_id, event_id)`);

  const ingestSecret = `whsec_${toBase64(randomBytes(32))}`;
  const app = createApp({
    database,
    clock: systemClock,
    keys: await createKeys(randomBytes(32)),
    config: { adminToken: "x".repeat(32), ingestSecret, publicUrl: "http://bench.invalid", allowPrivateWebhookTargets: false },
    log: silentLogger,
  });
  const webhook = new Webhook(ingestSecret);
  const template = JSON.parse(
    readFileSync(new URL("../test/fixtures/events/01-anthropic-ai-training.json", import.meta.url), "utf8"),
  ) as ChangeEvent;
  const runId = Date.now().toString(36);
  let seq = 0;

  const countNotifications = async () => (await rows<{ n: number }>(db, sql`select count(*)::int as n from notifications`))[0].n;

  const timed = async <T>(f: () => Promise<T>): Promise<Sample & { value: T }> => {
    const c0 = cpu();
    const t0 = performance.now();
    const value = await f();
    const ms = performance.now() - t0;
    const c1 = cpu();
    return { ms, cpu: c0 === null || c1 === null ? null : c1 - c0, value };
  };

  /**
   * Posts one signed event for the top platform: wall time from the request to the committed
   * fan-out (the 202 after one INSERT, then the fan-out worker's round for it).
   */
  const postEvent = async (severity: ChangeEvent["severity"]) => {
    const id = `evt_bench_${runId}_${seq++}`;
    const raw = JSON.stringify({ ...template, id, severity, platform: { slug: platformSlug(1), name: "Platform 001" } });
    const before = await countNotifications();
    const now = new Date();
    const r = await timed(async () => {
      const res = await app.request("/v1/events", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "webhook-id": `msg_${id}`,
          "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
          "webhook-signature": webhook.sign(`msg_${id}`, now, raw),
        },
        body: raw,
      });
      const body = await res.text();
      if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}: ${body}`);
      // the worker's part, as the service runs it right after the 202: accepted → fanned out
      await drainFanout(db, systemClock);
      const [counts] = await rows<{ matched_users: number; alerts: number; digest_items: number }>(
        db,
        sql`select matched_users, alerts, digest_items from events where id = ${id}`,
      );
      return counts;
    });
    const notifications = (await countNotifications()) - before;
    const { digest_items: digestItems, alerts: links, matched_users: matched } = r.value;
    return { ms: r.ms, cpu: r.cpu, matched, digestItems, notifications, links, rows: digestItems + notifications + links };
  };

  /** One INSERT … SELECT of n rows (random user ids, like the digest items), in its own transaction. */
  const bare = (n: number) => {
    const tag = `bare_${runId}_${seq++}`;
    return timed(() =>
      db.execute(sql`insert into bench_bare (user_id, event_id, created_at)
        select u.id, ${tag} || ':' || k, now()
        from generate_series(1, ${Math.ceil(n / USERS)}) k cross join users u
        limit ${n}`),
    );
  };

  // The dispatcher's part, outside the timings: claim (close) the open alerts, or hold them for quiet hours.
  const closeAlerts = () =>
    db.execute(sql`update notifications set group_open = false, status = 'sent', sent_at = now() where group_open`);
  const holdAlerts = () =>
    db.execute(sql`update notifications set next_attempt_at = now() + interval '8 hours' where group_open`);

  const fan: Sample[] = [];
  const bares: Sample[] = [];
  let last = { matched: 0, digestItems: 0, notifications: 0, links: 0, rows: 0 };
  for (let i = 0; i < WARMUP + REPS; i++) {
    await closeAlerts();
    const f = await postEvent("high");
    const b = await bare(f.rows);
    const label = i < WARMUP ? "warm-up" : `rep ${i - WARMUP + 1}`;
    console.log(
      `  ${label.padEnd(7)}  fan-out ${fmt(f.ms).padStart(6)} ms (${fmt(f.rows)} rows)   bare ${fmt(b.ms).padStart(6)} ms`,
    );
    if (i < WARMUP) continue;
    fan.push(f);
    bares.push(b);
    last = f;
  }

  await closeAlerts();
  await postEvent("high");
  const critical: Sample[] = [];
  let pulled = last;
  for (let i = 0; i < Math.max(2, Math.ceil(REPS / 2)); i++) {
    await holdAlerts();
    const r = await postEvent("critical");
    critical.push(r);
    pulled = r;
  }

  const f = median(fan.map((s) => s.ms));
  const b = median(bares.map((s) => s.ms));
  console.log(
    `\nmatched ${fmt(last.matched)} of ${fmt(USERS)} users: ${fmt(last.digestItems)} digest items + ` +
      `${fmt(last.notifications)} notifications + ${fmt(last.links)} notification_events = ${fmt(last.rows)} rows`,
  );
  console.log(
    `into ${fmt(pulled.links)} open, held alerts (critical: joined and pulled forward): ` +
      `${fmt(median(critical.map((s) => s.ms)))} ms for ${fmt(pulled.rows)} rows (median of ${critical.length})`,
  );
  if (fan.every((s) => s.cpu !== null) && bares.every((s) => s.cpu !== null)) {
    const fc = median(fan.map((s) => s.cpu ?? 0));
    const bc = median(bares.map((s) => s.cpu ?? 0));
    const who = database.kind === "pglite" ? "process" : "server backend";
    console.log(`CPU (${who}): fan-out ${fmt(fc)} ms, bare ${fmt(bc)} ms, ratio ${(fc / bc).toFixed(2)}`);
  }
  console.log(
    `\nfan-out ${fmt(f)} ms for ${fmt(last.rows)} rows; bare INSERT…SELECT ${fmt(b)} ms; ratio ${(f / b).toFixed(2)}` +
      `   [${database.kind}, median of ${REPS} after ${WARMUP} warm-ups]`,
  );
  if (args.explain) await explainFanout(db, template);
  await database.close();
}

/** EXPLAIN ANALYZE of the fan-out statement for one more event, in a transaction rolled back. */
async function explainFanout(db: Db, template: ChangeEvent) {
  const e: ChangeEvent = {
    ...template,
    id: `evt_bench_explain_${Date.now()}`,
    platform: { slug: platformSlug(1), name: "Platform 001" },
  };
  const now = new Date();
  const plan: string[] = [];
  await db
    .transaction(async (tx) => {
      await acceptEvent(tx, e, JSON.stringify(e), now);
      const input = { eventId: e.id, platform: e.platform.slug, document: e.document.slug, facts: eventFacts(e), now };
      const lines = await rows<Record<string, string>>(tx, sql`explain (analyze, costs, buffers off) ${fanOutStatement(input)}`);
      for (const l of lines) plan.push(Object.values(l)[0]);
      throw new Rollback();
    })
    .catch((err) => {
      if (!(err instanceof Rollback)) throw err;
    });
  console.log(`
EXPLAIN ANALYZE of the fan-out statement (--stats ${args.stats}):\n${plan.join("\n")}`);
}

class Rollback extends Error {}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
