/**
 * Ingest benchmark: the real app served over HTTP (`@hono/node-server`, as src/index.ts serves
 * it) with the fan-out worker running in the same process, loaded by 50 keep-alive connections
 * posting signed events with fresh ids; then, in the same run and on the same database and pool,
 * a reference Hono server doing the same signature check and one durable INSERT into a scratch
 * table. Users and watches are seeded so that an event matches ~110 users at 1,000 users.
 *
 *   npm run bench:ingest                           # PGlite on disk in a temp dir (what `npm start` gives)
 *   npm run bench:ingest -- --db postgres          # BENCH_DATABASE_URL or …/clausewatch_bench (schema rebuilt)
 *   npm run bench:ingest -- --users 1000 --conns 50 --seconds 12 --warmup 2 --matched 110
 *   npm run bench:ingest -- --pglite memory        # in-memory PGlite instead
 *
 * The load generator is a child process (bench/lib/load-client.ts), so the RSS printed is the
 * service's. "Caught up" is the time from the last 202 to no event left un-fanned-out.
 */
import { fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { createApp } from "../src/app";
import { type Database, rows } from "../src/db/types";
import { createMetrics } from "../src/delivery/metrics";
import { createFanoutWorker } from "../src/ingest/fanout-worker";
import { acceptEvent } from "../src/ingest/ingest";
import { systemClock } from "../src/lib/clock";
import { randomBytes, toBase64 } from "../src/lib/crypto";
import { createNodeKeys } from "../src/lib/crypto-node";
import type { ChangeEvent } from "../src/lib/event-schema";
import { createLogger } from "../src/lib/log";
import { verifyWebhook, webhookKey } from "../src/lib/webhook-signature";
import { seed } from "./fanout-seed";
import { dbKind, intArg, openBenchDatabase } from "./lib/db";
import type { LoadRequest, LoadResult } from "./lib/load-client";
import { fmt, rssSampler, waitFor } from "./lib/stats";

const { values: args } = parseArgs({
  options: {
    db: { type: "string", default: "pglite" },
    /** PGlite: "disk" (a temp data dir, as the service keeps it) or "memory" */
    pglite: { type: "string", default: "disk" },
    users: { type: "string", default: "1000" },
    conns: { type: "string", default: "50" },
    seconds: { type: "string", default: "12" },
    warmup: { type: "string", default: "2" },
    /** aim for this many matched users per event (events cycle over the platforms that give it) */
    matched: { type: "string", default: "110" },
    pool: { type: "string", default: "10" },
    "timeout-ms": { type: "string", default: "10000" },
    /**
     * what the reference writes: "scratch" (a table with only a primary key) or "events" (the
     * app's own INSERT, acceptEvent, without the app around it: shows what the events row costs)
     */
    reference: { type: "string", default: "scratch" },
    /** "off": no fan-out worker during the load (to see the accept path alone); it runs after */
    fanout: { type: "string", default: "on" },
    /** the service's log level; lines go nowhere, but are formatted as in production */
    log: { type: "string", default: "info" },
  },
});
const DB = dbKind(args.db);
const USERS = intArg("users", args.users, 100);
const CONNS = intArg("conns", args.conns);
const SECONDS = intArg("seconds", args.seconds);
const WARMUP = intArg("warmup", args.warmup, 0);
const MATCHED = intArg("matched", args.matched);
const POOL = intArg("pool", args.pool, 1);
const TIMEOUT_MS = intArg("timeout-ms", args["timeout-ms"], 100);
const LOG_LEVEL = args.log as "debug" | "info" | "warn" | "error";
if (!["debug", "info", "warn", "error"].includes(LOG_LEVEL)) throw new Error("--log is debug, info, warn or error");
if (args.pglite !== "disk" && args.pglite !== "memory") throw new Error("--pglite is disk or memory");
if (args.fanout !== "on" && args.fanout !== "off") throw new Error("--fanout is on or off");
const FANOUT = args.fanout === "on";
if (args.reference !== "scratch" && args.reference !== "events") throw new Error("--reference is scratch or events");
const REF_EVENTS = args.reference === "events";
const PG_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/clausewatch_bench";

const template = JSON.parse(
  readFileSync(new URL("../test/fixtures/events/01-anthropic-ai-training.json", import.meta.url), "utf8"),
) as ChangeEvent;
/** the event posted, with its id and platform filled in by the load client */
const TEMPLATE = JSON.stringify({ ...template, id: "__ID__", platform: { slug: "__PLATFORM__", name: "Bench Platform" } });

const count = async (db: Database["db"], q: ReturnType<typeof sql>) => (await rows<{ n: number }>(db, q))[0].n;

/** Platforms to cycle events over: the most-watched k whose mean audience is nearest `target`. */
async function pickPlatforms(db: Database["db"], target: number) {
  const audience = await rows<{ platform: string; n: number }>(
    db,
    sql`select platform, count(distinct user_id)::int as n from watches group by platform order by n desc, platform`,
  );
  let best = { k: 1, mean: audience[0].n };
  let sum = 0;
  for (let k = 1; k <= audience.length; k++) {
    sum += audience[k - 1].n;
    const mean = sum / k;
    if (Math.abs(mean - target) < Math.abs(best.mean - target)) best = { k, mean };
  }
  return { slugs: audience.slice(0, best.k).map((a) => a.platform), meanAudience: best.mean };
}

/** Runs one load in the client process. */
function load(child: ReturnType<typeof fork>, r: LoadRequest): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    child.once("message", (m: LoadResult | { error: string }) => ("error" in m ? reject(new Error(m.error)) : resolve(m)));
    child.send(r);
  });
}

async function listen(fetch: (req: Request) => Response | Promise<Response>): Promise<{ url: string; server: Server }> {
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s as Server));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events`, server };
}

/**
 * The reference: Hono, the same Standard Webhooks check over the raw bytes, JSON.parse, one
 * INSERT … ON CONFLICT DO NOTHING of the same payload and raw body, 202.
 */
function referenceApp(database: Database, ingestSecret: string) {
  const key = webhookKey(ingestSecret);
  const app = new Hono();
  app.post("/v1/events", async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const problem = verifyWebhook(
      key,
      bytes,
      {
        id: c.req.header("webhook-id"),
        timestamp: c.req.header("webhook-timestamp"),
        signature: c.req.header("webhook-signature"),
      },
      new Date(),
    );
    if (problem) return c.json({ error: problem }, 401);
    const raw = new TextDecoder().decode(bytes);
    if (REF_EVENTS) {
      const e = JSON.parse(raw) as ChangeEvent;
      const { duplicate } = await acceptEvent(database.db, e, raw, new Date());
      return c.json({ event_id: e.id, duplicate, status: "accepted" }, 202);
    }
    const e = JSON.parse(raw) as { id: string };
    const inserted = await rows<{ id: string }>(
      database.db,
      sql`insert into bench_ref_events (id, payload, raw_body, received_at) values (${e.id}, ${raw}::jsonb, ${raw}, now())
          on conflict (id) do nothing returning id`,
    );
    return c.json({ event_id: e.id, duplicate: inserted.length === 0, status: "accepted" }, 202);
  });
  return app;
}

const line = (label: string, r: LoadResult) => {
  const rate = r.ok / r.seconds;
  const bad = Object.entries(r.non2xx).map(([s, n]) => `${n}× ${s}`);
  return (
    `${label}: ${fmt(rate)} req/s (${fmt(r.ok)} answered 2xx in ${r.seconds} s), latency p50 ${fmt(r.p50, 1)} ms, ` +
    `p90 ${fmt(r.p90, 1)} ms, p99 ${fmt(r.p99, 1)} ms, max ${fmt(r.max)} ms; ` +
    `timeouts ${r.timeouts}, errors ${r.errors}${bad.length ? `, non-2xx ${bad.join(", ")}` : ""}`
  );
};

async function main() {
  const dir = DB === "pglite" && args.pglite === "disk" ? mkdtempSync(join(tmpdir(), "cw-ingest-bench-")) : undefined;
  const database = await openBenchDatabase(DB, { max: POOL, url: PG_URL, pgliteDir: dir });
  const { db } = database;
  const child = fork(new URL("./lib/load-client.ts", import.meta.url).pathname, [], { stdio: "inherit" });
  const servers: Server[] = [];
  const fanoutLog = createLogger(LOG_LEVEL, () => {});
  const fanout = createFanoutWorker({ database, clock: systemClock, log: fanoutLog });
  try {
    const t = performance.now();
    const stats = await seed(db, USERS, new Date());
    await db.execute(sql`create table bench_ref_events (id text primary key, payload jsonb not null, raw_body text not null,
      received_at timestamptz not null)`);
    // seed() ran VACUUM ANALYZE; autovacuum may be off, so say it again for what came after
    await db.execute(sql`analyze`);
    const platforms = await pickPlatforms(db, MATCHED);
    const where =
      database.kind === "postgres"
        ? `PostgreSQL (${new URL(PG_URL).pathname.slice(1)})`
        : `PGlite ${dir ? "on disk" : "in memory"}`;
    console.log(
      `clausewatch ingest benchmark — ${where}, ${fmt(USERS)} users (${fmt(stats.watches)} watches), ` +
        `${CONNS} keep-alive connections × ${SECONDS} s, pool ${database.kind === "postgres" ? POOL : 1}, log level ${LOG_LEVEL}`,
    );
    console.log(
      `  seeded in ${fmt(performance.now() - t)} ms; events cycle over the ${platforms.slugs.length} most-watched platform(s), ` +
        `${fmt(platforms.meanAudience, 1)} watchers each on average`,
    );

    const ingestSecret = `whsec_${toBase64(randomBytes(32))}`;
    const app = createApp({
      database,
      clock: systemClock,
      keys: createNodeKeys(randomBytes(32)),
      metrics: createMetrics(),
      onAccepted: FANOUT ? () => fanout.wake() : undefined,
      log: createLogger(LOG_LEVEL, () => {}),
      config: {
        adminToken: `adm_${toBase64(randomBytes(18))}`,
        ingestSecret,
        publicUrl: "http://bench.invalid",
        allowPrivateWebhookTargets: true,
        rateLimitPerMinute: 10_000_000,
        publicRateLimitPerMinute: 10_000_000,
      },
    });
    const appServer = await listen(app.fetch);
    const refServer = await listen(referenceApp(database, ingestSecret).fetch);
    servers.push(appServer.server, refServer.server);

    const request = (url: string, idPrefix: string, seconds: number): LoadRequest => ({
      url,
      secret: ingestSecret,
      conns: CONNS,
      seconds,
      timeoutMs: TIMEOUT_MS,
      idPrefix,
      template: TEMPLATE,
      platforms: platforms.slugs,
    });
    const pending = () => count(db, sql`select count(*)::int as n from events where fanned_out_at is null`);
    const caughtUp = () => waitFor("the fan-out to catch up", async () => (await pending()) === 0, 10 * 60_000, 20);

    const step = (what: string) => process.stderr.write(`  … ${what}\n`);
    if (WARMUP > 0) {
      step(`warm-up, ${WARMUP} s each`);
      await load(child, request(appServer.url, "evt_warm", WARMUP));
      await load(child, request(refServer.url, "evt_refwarm", WARMUP));
    }
    // the warm-up's events are fanned out before the measured run starts
    step("fan-out of the warm-up");
    await fanout.start();
    await caughtUp();
    if (!FANOUT) await fanout.stop();

    const rssIdle = process.memoryUsage().rss / 1024 / 1024;
    const rss = rssSampler();
    step(`clausewatch, ${SECONDS} s`);
    const a = await load(child, request(appServer.url, "evt_app", SECONDS));
    const lastAnswer = performance.now();
    const behind = await pending();
    if (!FANOUT) await fanout.start();
    step(`fan-out catching up (${behind} events behind)`);
    await caughtUp();
    const catchUpMs = performance.now() - lastAnswer;
    const appRss = rss.stop();
    const [fan] = await rows<{ n: number; matched: number; alerts: number; items: number }>(
      db,
      sql`select count(*)::int as n, coalesce(avg(matched_users), 0)::float8 as matched,
            coalesce(sum(alerts), 0)::int as alerts, coalesce(sum(digest_items), 0)::int as items
          from events where id like 'evt_app_%'`,
    );

    // the reference's rows are not fanned out: a fan-out of its events would compete with it
    if (REF_EVENTS) await fanout.stop();
    const refRss = rssSampler();
    step(`reference, ${SECONDS} s`);
    const r = await load(child, request(refServer.url, "evt_ref", SECONDS));
    const refPeak = refRss.stop();
    const [stored] = await rows<{ n: number }>(
      db,
      sql`select count(*)::int as n from bench_ref_events where id like 'evt_ref_%'`,
    );

    const appRate = a.ok / a.seconds;
    const refRate = r.ok / r.seconds;
    console.log("");
    console.log(line(`clausewatch POST /v1/events (fan-out worker ${FANOUT ? "running" : "started after the load"})`, a));
    console.log(
      `  fan-out: ${fmt(fan.n)} events, ${fmt(fan.matched, 1)} matched users per event on average, ` +
        `${fmt(fan.alerts)} alerts opened or joined, ${fmt(fan.items)} digest items; ` +
        `${fmt(behind)} events waiting at the last answer, caught up ${fmt(catchUpMs)} ms after it`,
    );
    console.log(`  RSS: ${fmt(rssIdle)} MB before the run, peak ${fmt(appRss)} MB during it and the catch-up`);
    console.log(
      line(
        `reference: Hono + signature check + one INSERT into ${REF_EVENTS ? "events (acceptEvent)" : "a scratch table"} (same database and pool)`,
        r,
      ),
    );
    console.log(`  rows stored ${fmt(stored.n)}; peak RSS ${fmt(refPeak)} MB`);
    console.log(`\nratio clausewatch events/s ÷ reference req/s = ${(appRate / refRate).toFixed(2)} (goal ≥ 0.70)`);
  } finally {
    await fanout.stop();
    child.send("exit");
    for (const s of servers) {
      s.closeAllConnections?.();
      s.close();
    }
    await database.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
