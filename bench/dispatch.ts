/**
 * Dispatch benchmark: N pending webhook alerts delivered by the real dispatcher (claim under a
 * lease, compose, sign, POST, record) to a local receiver answering 204, against pg-boss
 * completing N no-op jobs on the same PostgreSQL database (its own schema), in the same run.
 *
 *   npm run bench:dispatch                         # in-memory PGlite: dispatcher only (pg-boss needs PostgreSQL)
 *   npm run bench:dispatch -- --db postgres        # BENCH_DATABASE_URL or …/clausewatch_bench2 (schema rebuilt)
 *   npm run bench:dispatch -- --n 5000 --batch 100 --concurrency 16 --receiver-delay 25 --baseline-depth 1
 *
 * Both sides start with every row already queued and stop when the database says all N are
 * done (the dispatcher's rows `sent`, pg-boss's jobs `completed`); each gets a warm-up first.
 * "Comparable concurrency": pg-boss holds as many rows at once as the dispatcher can (workers ×
 * batch = pipeline depth × batch) over a pool of the same size. Its work() waits out its polling
 * interval (0.5 s at least) after every fetch, so it completes at most workers × batch per
 * interval; the back-to-back fetch+complete loop shows what its SQL could do without that.
 * The receiver runs on its own thread, standing for a remote endpoint; `--receiver-delay` gives
 * it a latency, `--baseline-depth 1` adds a same-run series without pipelining.
 */
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import PgBoss from "pg-boss";
import { Webhook } from "standardwebhooks";
import { type Database, jsonRecords, rows } from "../src/db/types";
import { createWebhookChannel } from "../src/delivery/channels/webhook";
import { createDispatcher } from "../src/delivery/dispatcher";
import { createMetrics } from "../src/delivery/metrics";
import { renderWebhook } from "../src/delivery/render/webhook";
import { createChannels } from "../src/delivery/setup";
import type { Channels } from "../src/delivery/types";
import { acceptEvent } from "../src/ingest/ingest";
import { newSigningSecret, sealSecret } from "../src/lib/channel-secrets";
import { systemClock } from "../src/lib/clock";
import { type Keys, randomBytes } from "../src/lib/crypto";
import { createNodeKeys } from "../src/lib/crypto-node";
import type { ChangeEvent } from "../src/lib/event-schema";
import { createLogger } from "../src/lib/log";
import { dbKind, intArg, openBenchDatabase } from "./lib/db";
import { profiled } from "./lib/profile";
import { startThreadReceiver } from "./lib/receiver";
import { fmt, waitFor } from "./lib/stats";

const { values: args } = parseArgs({
  options: {
    db: { type: "string", default: "pglite" },
    n: { type: "string", default: "20000" },
    warmup: { type: "string", default: "1000" },
    batch: { type: "string", default: "200" },
    concurrency: { type: "string", default: "64" },
    depth: { type: "string", default: "2" },
    /** also run the dispatcher at this pipeline depth first (1 = one batch at a time), for a same-run comparison */
    "baseline-depth": { type: "string" },
    "per-host": { type: "string" },
    pool: { type: "string", default: "10" },
    "boss-poll": { type: "string", default: "0.5" },
    /** pg-boss workers and their batch (default: --depth and --batch, i.e. as many rows held at once) */
    "boss-workers": { type: "string" },
    "boss-batch": { type: "string" },
    /** the receiver answers after a random 0–2× this many ms (default 0: at once) */
    "receiver-delay": { type: "string", default: "0" },
    /** print deliveries per 250 ms while measuring */
    timeline: { type: "boolean", default: false },
    /** write a CPU profile of the measured dispatch to this file */
    profile: { type: "string" },
  },
});
const DB = dbKind(args.db);
const N = intArg("n", args.n, 100);
const WARMUP = intArg("warmup", args.warmup, 0);
const BATCH = intArg("batch", args.batch);
const CONCURRENCY = intArg("concurrency", args.concurrency);
const DEPTH = intArg("depth", args.depth);
const BASELINE_DEPTH = args["baseline-depth"] ? intArg("baseline-depth", args["baseline-depth"]) : null;
const PER_HOST = intArg("per-host", args["per-host"] ?? CONCURRENCY);
const POOL = intArg("pool", args.pool, 2);
const BOSS_POLL = Number(args["boss-poll"]);
const BOSS_WORKERS = intArg("boss-workers", args["boss-workers"] ?? DEPTH);
const BOSS_BATCH = intArg("boss-batch", args["boss-batch"] ?? BATCH);
const RECEIVER_DELAY = intArg("receiver-delay", args["receiver-delay"], 0);
const BOSS_SCHEMA = "pgboss_bench";
const TIMEOUT_MS = 10 * 60_000;

const log = createLogger("error", (line) => console.error(line));
const template = JSON.parse(
  readFileSync(new URL("../test/fixtures/events/01-anthropic-ai-training.json", import.meta.url), "utf8"),
) as ChangeEvent;

const count = async (db: Database["db"], q: ReturnType<typeof sql>) => (await rows<{ n: number }>(db, q))[0].n;

/**
 * `n` watchers, each with one active webhook channel (its own URL and signing secret, sealed
 * like the API seals them) and one due alert linked to one event. Set-based: the secrets are
 * sealed here, everything else is generated in SQL.
 */
async function seedOutbox(database: Database, keys: Keys, receiverUrl: string, n: number, tag: string) {
  const { db } = database;
  const now = new Date();
  const event = { ...template, id: `evt_bench_${tag}` };
  await acceptEvent(db, event, JSON.stringify(event), now);
  const sealed = await Promise.all(
    Array.from({ length: n }, async (_, k) => {
      const url = `${receiverUrl}/hook/${tag}/${k + 1}`;
      return { k: k + 1, target: url, secret: await sealSecret(keys, { url, signing_secret: newSigningSecret() }) };
    }),
  );
  const at = sql`${now.toISOString()}::timestamptz`;
  const uid = (k: string) => sql.raw(`'usr_' || md5('${tag}:' || ${k})`);
  await db.execute(sql`insert into users (id, email, tier, alert_window_minutes, digest_period_start, created_at, updated_at)
    select ${uid("g")}, 'bench-' || ${tag} || '-' || g || '@example.com', 'watcher', 0, ${at}, ${at}, ${at}
    from generate_series(1, ${n}) g`);
  await db.execute(sql`insert into channels (id, user_id, type, target, fingerprint, secret_enc, status, verified_at, created_at, updated_at)
    select 'chn_' || md5(${tag} || ':' || v.k), ${uid("v.k")}, 'webhook', v.target, md5('webhook:' || v.target), v.secret,
           'active', ${at}, ${at}, ${at}
    from ${jsonRecords(sealed, "v(k int, target text, secret text)")}`);
  await db.execute(sql`with q as (
      insert into notifications (user_id, channel_id, kind, status, group_open, next_attempt_at, created_at, updated_at)
      select ${uid("g")}, 'chn_' || md5(${tag} || ':' || g), 'alert', 'pending', false,
             ${at} - interval '1 second', ${at}, ${at}
      from generate_series(1, ${n}) g
      returning id)
    insert into notification_events (notification_id, event_id) select id, ${event.id} from q`);
  await db.execute(sql`vacuum analyze`);
}

/** Runs the dispatcher's own loop until every seeded row is `sent`; answers wall ms and process CPU ms. */
async function dispatchAll(
  database: Database,
  keys: Keys,
  channels: Channels,
  receiver: { count(): number },
  n: number,
  depth: number,
) {
  const { db } = database;
  const before = receiver.count();
  const dispatcher = createDispatcher({
    database,
    channels,
    keys,
    clock: systemClock,
    log,
    metrics: createMetrics(),
    publicUrl: "http://bench.invalid",
    batchSize: BATCH,
    concurrency: CONCURRENCY,
    pipelineDepth: depth,
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const tl: number[] = [];
  const tick = args.timeline ? setInterval(() => tl.push(receiver.count() - before), 250) : undefined;
  await dispatcher.start();
  try {
    await waitFor("the receiver to get every webhook", () => receiver.count() - before >= n, TIMEOUT_MS);
    await waitFor(
      "every notification to be recorded as sent",
      async () =>
        (await count(db, sql`select count(*)::int as n from notifications where status in ('pending', 'sending')`)) === 0,
      TIMEOUT_MS,
      20,
    );
    const ms = performance.now() - t0;
    const c = process.cpuUsage(cpu0);
    if (tick) console.log(`  per 250 ms: ${tl.map((v, i) => v - (tl[i - 1] ?? 0)).join(" ")}`);
    return { ms, cpuMs: (c.user + c.system) / 1000 };
  } finally {
    clearInterval(tick);
    await dispatcher.stop();
  }
}

interface BossRun {
  ms: number;
  cpuMs: number;
}

/** pg-boss's standard worker: `workers` × work({ batchSize }) with a no-op handler. */
async function bossWork(boss: PgBoss, queue: string, n: number, workers: number, batchSize: number): Promise<BossRun> {
  await boss.insert(Array.from({ length: n }, (_, i) => ({ name: queue, data: { i } })));
  let handled = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let w = 0; w < workers; w++) {
    await boss.work(queue, { batchSize, pollingIntervalSeconds: BOSS_POLL }, async (jobs) => {
      handled += jobs.length;
    });
  }
  await waitFor("pg-boss workers to handle every job", () => handled >= n, TIMEOUT_MS);
  // work() completes a batch without awaiting it: done is when the database says so
  await waitFor(
    "pg-boss to record every job completed",
    async () => (await boss.getQueueSize(queue, { before: "completed" })) === 0,
    TIMEOUT_MS,
    20,
  );
  const ms = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  await boss.offWork(queue);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

/**
 * pg-boss's queue without its worker's polling interval: `loops` × (fetch a batch, complete it)
 * back to back — the most its SQL can do at this concurrency.
 */
async function bossTight(boss: PgBoss, queue: string, n: number, loops: number, batchSize: number): Promise<BossRun> {
  await boss.insert(Array.from({ length: n }, (_, i) => ({ name: queue, data: { i } })));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      for (;;) {
        const jobs = await boss.fetch(queue, { batchSize });
        if (jobs.length === 0) return;
        await boss.complete(
          queue,
          jobs.map((j) => j.id),
        );
        done += jobs.length;
      }
    }),
  );
  if (done !== n) throw new Error(`pg-boss tight loop completed ${done} of ${n}`);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

/**
 * The same work for pg-boss as for the dispatcher: each job is one webhook POST of a signed
 * (Standard Webhooks) JSON body to the same receiver, over a keep-alive agent with the same
 * number of sockets, at most `inFlight` at once. The bodies are rendered before the clock starts
 * (the dispatcher composes and renders each one inside its run): pg-boss gets the easier job.
 */
function webhookPoster(receiverUrl: string, perHost: number, inFlight: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: perHost });
  const hook = new Webhook(newSigningSecret());
  const body = JSON.stringify({ type: "alert", data: { events: [template] } });
  const url = new URL(receiverUrl);
  let active = 0;
  const waiting: (() => void)[] = [];
  const post = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const id = `msg_boss_${i}`;
      const now = new Date();
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: "POST",
          path: `/hook/boss/${i}`,
          headers: {
            "content-type": "application/json",
            "webhook-id": id,
            "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
            "webhook-signature": hook.sign(id, now, body),
          },
        },
        (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`receiver ${res.statusCode}`)),
          );
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  /** One POST, waiting for a free slot first. */
  const send = async (i: number) => {
    while (active >= inFlight) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      await post(i);
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
  return { send, close: () => agent.destroy() };
}

/** pg-boss's work() at the given settings, its handler making the webhook POST of each job. */
async function bossWorkPosting(
  boss: PgBoss,
  queue: string,
  n: number,
  workers: number,
  batchSize: number,
  send: (i: number) => Promise<void>,
): Promise<BossRun> {
  await boss.insert(Array.from({ length: n }, (_, i) => ({ name: queue, data: { i } })));
  let handled = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let w = 0; w < workers; w++) {
    await boss.work<{ i: number }>(queue, { batchSize, pollingIntervalSeconds: BOSS_POLL }, async (jobs) => {
      await Promise.all(jobs.map((j) => send(j.data.i)));
      handled += jobs.length;
    });
  }
  await waitFor("pg-boss workers to POST every job", () => handled >= n, TIMEOUT_MS);
  await waitFor(
    "pg-boss to record every job completed",
    async () => (await boss.getQueueSize(queue, { before: "completed" })) === 0,
    TIMEOUT_MS,
    20,
  );
  const ms = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  await boss.offWork(queue);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

/** pg-boss at its best: fetch+complete loops back to back (no polling wait), each job's POST made before its completion. */
async function bossTightPosting(
  boss: PgBoss,
  queue: string,
  n: number,
  loops: number,
  batchSize: number,
  send: (i: number) => Promise<void>,
): Promise<BossRun> {
  await boss.insert(Array.from({ length: n }, (_, i) => ({ name: queue, data: { i } })));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      for (;;) {
        const jobs = await boss.fetch<{ i: number }>(queue, { batchSize });
        if (jobs.length === 0) return;
        await Promise.all(jobs.map((j) => send(j.data.i)));
        await boss.complete(
          queue,
          jobs.map((j) => j.id),
        );
        done += jobs.length;
      }
    }),
  );
  if (done !== n) throw new Error(`pg-boss tight loop completed ${done} of ${n}`);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(cpu0);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

const rate = (n: number, ms: number) => (n / ms) * 1000;

async function main() {
  const database = await openBenchDatabase(DB, { max: POOL, extraSchemas: [BOSS_SCHEMA] });
  const { db } = database;
  const receiver = await startThreadReceiver({ delayMs: RECEIVER_DELAY });
  // the keys src/index.ts gives the dispatcher (node:crypto)
  const keys = createNodeKeys(randomBytes(32));
  const channels: Channels = {
    ...createChannels({
      publicUrl: "http://bench.invalid",
      dataDir: "/nonexistent",
      emailFrom: "x <x@bench.invalid>",
      allowPrivateWebhookTargets: true,
    }),
    // every bench webhook goes to one host: the per-host limit would otherwise be the bottleneck
    webhook: createWebhookChannel({ allowPrivate: true, render: renderWebhook, maxInFlightPerHost: PER_HOST }),
  };
  console.log(
    `clausewatch dispatch benchmark — ${database.kind}, ${fmt(N)} webhook alerts; batch ${BATCH}, pipeline depth ${DEPTH}, ` +
      `${CONCURRENCY} sends in flight (≤ ${PER_HOST} per host), pool ${database.kind === "postgres" ? POOL : 1}` +
      (RECEIVER_DELAY ? `; receiver answers in 0–${2 * RECEIVER_DELAY} ms` : ""),
  );

  /** Seeds `n` fresh alerts, delivers them at `depth`, checks every one arrived once and is recorded sent. */
  const measure = async (tag: string, n: number, depth: number, profile?: string) => {
    const t = performance.now();
    await seedOutbox(database, keys, receiver.url, n, tag);
    const seededMs = performance.now() - t;
    const got = receiver.count();
    const r = await profiled(profile, () => dispatchAll(database, keys, channels, receiver, n, depth));
    const [res] = await rows<{ other: number }>(db, sql`select count(*)::int as other from notifications where status <> 'sent'`);
    if (res.other !== 0 || receiver.count() - got !== n) {
      throw new Error(`expected ${n} deliveries: receiver got ${receiver.count() - got}, ${res.other} rows not sent`);
    }
    return { ...r, seededMs, rate: rate(n, r.ms) };
  };
  const line = (label: string, r: { ms: number; cpuMs: number; rate: number }) =>
    `${label}: ${fmt(N)} delivered in ${fmt(r.ms)} ms = ${fmt(r.rate)} deliveries/s ` +
    `(process CPU ${fmt(r.cpuMs)} ms, ${fmt((r.cpuMs * 1000) / N)} µs per delivery)`;

  try {
    if (WARMUP > 0) {
      const w = await measure("warm", WARMUP, DEPTH);
      console.log(`  warm-up: ${fmt(WARMUP)} in ${fmt(w.ms)} ms`);
    }
    const before = BASELINE_DEPTH ? await measure("base", N, BASELINE_DEPTH) : null;
    const d = await measure("main", N, DEPTH, args.profile);
    console.log(`  seeded ${fmt(N)} users, channels and alerts in ${fmt(d.seededMs)} ms (each series)`);
    console.log("");
    if (before) console.log(line(`dispatcher, pipeline depth ${BASELINE_DEPTH}`, before));
    console.log(line(`dispatcher, pipeline depth ${DEPTH}`, d));
    if (before) console.log(`  depth ${DEPTH} ÷ depth ${BASELINE_DEPTH}: ${(d.rate / before.rate).toFixed(2)}×`);
    const dRate = d.rate;

    if (database.kind !== "postgres" || !database.url) {
      console.log(
        "pg-boss: not run — it connects to a PostgreSQL server through node-postgres, and in-memory PGlite is no server; use --db postgres",
      );
      return;
    }

    const boss = new PgBoss({
      connectionString: database.url,
      schema: BOSS_SCHEMA,
      max: POOL,
      supervise: false,
      schedule: false,
    });
    boss.on("error", (err) => console.error("pg-boss:", err));
    await boss.start();
    try {
      for (const q of ["noop-warm", "noop", "noop-tight", "post-warm", "post", "post-tight"]) await boss.createQueue(q);
      const poster = webhookPoster(receiver.url, PER_HOST, CONCURRENCY);
      if (WARMUP > 0) {
        await bossWork(boss, "noop-warm", WARMUP, BOSS_WORKERS, BOSS_BATCH);
        await bossTightPosting(boss, "post-warm", WARMUP, BOSS_WORKERS, BOSS_BATCH, poster.send);
      }
      const got = receiver.count();
      const p = await bossWorkPosting(boss, "post", N, BOSS_WORKERS, BOSS_BATCH, poster.send);
      const pt = await bossTightPosting(boss, "post-tight", N, BOSS_WORKERS, BOSS_BATCH, poster.send);
      if (receiver.count() - got !== 2 * N) throw new Error(`pg-boss POSTs: receiver got ${receiver.count() - got} of ${2 * N}`);
      poster.close();
      const b = await bossWork(boss, "noop", N, BOSS_WORKERS, BOSS_BATCH);
      const bt = await bossTight(boss, "noop-tight", N, BOSS_WORKERS, BOSS_BATCH);
      const series = (label: string, r: BossRun) =>
        `${label}: ${fmt(N)} in ${fmt(r.ms)} ms = ${fmt(rate(N, r.ms))} jobs/s (process CPU ${fmt(r.cpuMs)} ms, ${fmt((r.cpuMs * 1000) / N)} µs per job)`;
      const cfg = `${BOSS_WORKERS} × batch ${BOSS_BATCH}`;
      console.log(series(`pg-boss 10 work() + the same webhook POST, ${cfg}, polling ${BOSS_POLL} s`, p));
      console.log(series(`pg-boss 10 fetch+POST+complete back to back (its best), ${cfg}`, pt));
      console.log(series(`pg-boss 10 work() no-op, ${cfg}, polling ${BOSS_POLL} s`, b));
      console.log(series(`pg-boss 10 fetch+complete no-op back to back (ceiling), ${cfg}`, bt));
      const best = Math.max(rate(N, p.ms), rate(N, pt.ms));
      console.log(
        `\nratio dispatcher deliveries/s ÷ pg-boss's best for the same POSTs = ${(dRate / best).toFixed(2)} (target ≥ 1); ` +
          `÷ pg-boss work() + POST = ${(dRate / rate(N, p.ms)).toFixed(2)}; ÷ no-op ceiling = ${(dRate / rate(N, bt.ms)).toFixed(2)}`,
      );
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  } finally {
    await receiver.close();
    await database.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
