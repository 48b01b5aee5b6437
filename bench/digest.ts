/**
 * Weekly digest benchmark: every user is due now. One planner run builds and queues every digest;
 * then the real dispatcher (claim, compose, complete) hands each queued digest to channels that
 * render it exactly as the real ones do (the React Email renderer for email, the webhook body for
 * webhooks) and stop before the network. Baseline, in the same run: the bare rate of the email
 * renderer (WeeklyDigest HTML + its text part) on a uniform sample of the same messages.
 *
 * Emails render either in the main thread (`createEmailRenderer`, RENDER_THREADS=0) or on a pool
 * of worker threads (`createPooledEmailRenderer`, the service's default: one per core). By default
 * the process runs the whole pipeline twice, in-thread then pooled, each on a freshly rebuilt and
 * seeded database, and prints the two rates side by side (`--render thread|pool` runs one).
 *
 *   npm run bench:digest                           # in-memory PGlite (RSS then includes the database)
 *   npm run bench:digest -- --db postgres          # BENCH_DATABASE_URL or …/clausewatch_bench2 (schema rebuilt)
 *   npm run bench:digest -- --db postgres --users 10000
 *   npm run bench:digest -- --db postgres --render pool --threads 2
 *
 * By default the dispatcher runs alongside the planner, as in the service (`--sequential`: after it).
 * The npm script sets NODE_ENV=production: React renders about twice as fast as in development.
 * Peak RSS (the process: render threads included) is sampled every 50 ms over the measured
 * pipeline (seeding excluded); the second run starts with what the first left. With default V8
 * flags on a large machine the heap grows lazily, so most of the peak is garbage: compare
 * `NODE_OPTIONS=--max-old-space-size=128 npm run bench:digest -- --db postgres` (a container's cap).
 */
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { render } from "@react-email/render";
import { sql } from "drizzle-orm";
import { rows } from "../src/db/types";
import { compose } from "../src/delivery/compose";
import { createDispatcher } from "../src/delivery/dispatcher";
import { createMetrics } from "../src/delivery/metrics";
import type { Claimed } from "../src/delivery/outbox";
import { createEmailRenderer, emailElement } from "../src/delivery/render/email";
import { createPooledEmailRenderer } from "../src/delivery/render/pool";
import { renderSlack } from "../src/delivery/render/slack";
import { renderWebhook } from "../src/delivery/render/webhook";
import type { Channel, Channels, OutboundMessage, RenderEmail } from "../src/delivery/types";
import { runDigestPlanner } from "../src/digest/planner";
import { systemClock } from "../src/lib/clock";
import { createKeys, randomBytes } from "../src/lib/crypto";
import { createLogger } from "../src/lib/log";
import { dbKind, intArg, openBenchDatabase } from "./lib/db";
import { seedPopulation, seedWeek } from "./lib/population";
import { profiled } from "./lib/profile";
import { fmt, rssSampler, waitFor } from "./lib/stats";

const { values: args } = parseArgs({
  options: {
    db: { type: "string", default: "pglite" },
    users: { type: "string", default: "100000" },
    events: { type: "string", default: "200" },
    batch: { type: "string", default: "500" },
    concurrency: { type: "string", default: "4" },
    depth: { type: "string", default: "2" },
    chunk: { type: "string", default: "1000" },
    sample: { type: "string", default: "1000" },
    /** write a CPU profile of the measured pipeline to this file */
    profile: { type: "string" },
    /** stop after the planner (to study it alone) */
    "plan-only": { type: "boolean", default: false },
    /** start the dispatcher only once the planner is done (default: both run, as in the service) */
    sequential: { type: "boolean", default: false },
    /** where emails render: thread (main thread), pool (worker threads), both (one run each, in that order) */
    render: { type: "string", default: "both" },
    /** pool size (default: os.availableParallelism(), as RENDER_THREADS unset) */
    threads: { type: "string", default: String(availableParallelism()) },
  },
});
const DB = dbKind(args.db);
const USERS = intArg("users", args.users, 100);
const EVENTS = intArg("events", args.events);
const BATCH = intArg("batch", args.batch);
const CONCURRENCY = intArg("concurrency", args.concurrency);
const DEPTH = intArg("depth", args.depth);
const CHUNK = intArg("chunk", args.chunk);
const SAMPLE = intArg("sample", args.sample, 10);
const THREADS = intArg("threads", args.threads);
type RenderMode = "thread" | "pool";
const MODES: RenderMode[] =
  args.render === "both"
    ? ["thread", "pool"]
    : args.render === "thread" || args.render === "pool"
      ? [args.render]
      : (() => {
          throw new Error("--render is thread, pool or both");
        })();
const TIMEOUT_MS = 20 * 60_000;
const PUBLIC_URL = "https://clausewatch.example";

const log = createLogger("error", (line) => console.error(line));

interface RunResult {
  mode: RenderMode;
  digests: number;
  emails: number;
  wallMs: number;
  cpuMs: number;
  peakMb: number;
  /** the in-thread renderer's bare rate on the sample (one core's ceiling) */
  bareRate: number;
  /** pool mode: the pool's bare rate on the sample, THREADS × 2 in flight (its ceiling) */
  poolBareRate?: number;
}

async function main() {
  if (process.env.NODE_ENV !== "production") {
    console.warn("NODE_ENV is not production: React renders in development mode (~2× slower); use `npm run bench:digest`");
  }
  console.log(
    `clausewatch digest benchmark — ${DB}, ${fmt(USERS)} users, ${EVENTS} events over the last 7 days; ` +
      `emails rendered ${MODES.map((m) => (m === "thread" ? "in the main thread" : `on ${THREADS} worker threads`)).join(", then ")}`,
  );
  const results: RunResult[] = [];
  for (const mode of MODES) {
    const r = await runOnce(mode);
    if (r) results.push(r);
  }
  if (results.length === 0) return;

  const perSecond = (r: RunResult) => (r.digests / r.wallMs) * 1000;
  /** 100k users' wall: measured at 100k, else at this run's digest rate */
  const at100k = (r: RunResult) => (r.digests === 100_000 ? r.wallMs : (100_000 / perSecond(r)) * 1000) / 60_000;
  console.log(`\nsummary (${fmt(USERS)} users, ${DB}):`);
  for (const r of results) {
    console.log(
      `  ${r.mode === "thread" ? "in-thread    " : `pool of ${THREADS}    `} ${fmt(perSecond(r))} digests/s, ` +
        `${fmt((r.emails / r.wallMs) * 1000)} emails/s, wall ${(r.wallMs / 60_000).toFixed(2)} min ` +
        `(100k: ${r.digests === 100_000 ? "" : "~"}${at100k(r).toFixed(2)} min), CPU ${fmt(r.cpuMs)} ms ` +
        `(${(r.cpuMs / r.digests).toFixed(2)} ms per digest, ${(r.cpuMs / r.wallMs).toFixed(2)} cores), peak RSS ${fmt(r.peakMb)} MB; ` +
        `bare in-thread render ${fmt(r.bareRate)}/s${r.poolBareRate ? `, bare pool render ${fmt(r.poolBareRate)}/s` : ""}`,
    );
  }
  const thread = results.find((r) => r.mode === "thread");
  const pool = results.find((r) => r.mode === "pool");
  if (thread && pool) {
    console.log(
      `  pool ÷ in-thread digests/s = ${(perSecond(pool) / perSecond(thread)).toFixed(2)}; ` +
        `100k digests: ${at100k(thread).toFixed(2)} → ${at100k(pool).toFixed(2)} min (target < 5)`,
    );
  }
}

/** One pipeline run on a freshly rebuilt and seeded database; null with --plan-only. */
async function runOnce(mode: RenderMode): Promise<RunResult | null> {
  const database = await openBenchDatabase(DB, { max: 10 });
  const { db } = database;
  const keys = await createKeys(randomBytes(32));
  const now = new Date();
  // The email renderer under test: in this thread, or on the pool (threads started before the clock, as a service's are by its first email).
  const pooled = mode === "pool" ? createPooledEmailRenderer({ publicUrl: PUBLIC_URL, threads: THREADS, log }) : null;
  const inThread = createEmailRenderer({ publicUrl: PUBLIC_URL });
  const renderEmail: RenderEmail = pooled ?? inThread;
  try {
    console.log(`\n[${mode === "thread" ? "in-thread render" : `render pool, ${THREADS} threads`}]`);
    const t = performance.now();
    const pop = await seedPopulation(db, keys, USERS, now);
    const week = await seedWeek(db, EVENTS, now);
    await db.execute(sql`vacuum analyze`);
    console.log(
      `  seeded in ${fmt(performance.now() - t)} ms: ${Object.entries(pop.users)
        .map(([k, v]) => `${fmt(v)} ${k}`)
        .join(", ")}; ${fmt(pop.watches)} watches; channels ${Object.entries(pop.channels)
        .map(([k, v]) => `${fmt(v)} ${k}`)
        .join(", ")}; ${fmt(week.events)} events, ${fmt(week.items)} digest items`,
    );

    // The channels: the real renderers, no network.
    const rendered = { email: 0, webhook: 0, slack: 0, bytes: 0 };
    const email: Channel = {
      async send(msg) {
        const out = await renderEmail(msg);
        rendered.email++;
        rendered.bytes += out.html.length + out.text.length;
        return { kind: "sent" };
      },
    };
    const channels: Channels = {
      email,
      webhook: {
        async send(msg) {
          rendered.webhook++;
          rendered.bytes += JSON.stringify(renderWebhook(msg)).length;
          return { kind: "sent" };
        },
      },
      slack: {
        async send(msg) {
          rendered.slack++;
          rendered.bytes += JSON.stringify(renderSlack(msg)).length;
          return { kind: "sent" };
        },
      },
    };
    if (pooled) {
      // every thread up with its templates loaded, as in a service that has sent an email before
      // (starting them costs ~1 s from the bundle, a few seconds through tsx: not the rate measured here)
      const warm: OutboundMessage = {
        id: "ntf_warm",
        kind: "test",
        createdAt: now,
        attempt: 0,
        user: { id: "usr_warm", email: "warm@example.com", tier: "free", timezone: "UTC" },
        channel: { id: "chn_warm", type: "email", target: "warm@example.com", secret: null },
        content: { kind: "test" },
        links: { manage: `${PUBLIC_URL}/preferences`, unsubscribe: `${PUBLIC_URL}/unsubscribe/warm` },
      };
      await Promise.all(Array.from({ length: THREADS * 2 }, () => pooled(warm)));
    }

    const rssBefore = process.memoryUsage().rss / 1024 / 1024;
    const rss = rssSampler(50);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const dispatcher = createDispatcher({
      database,
      channels,
      keys,
      clock: systemClock,
      log,
      metrics: createMetrics(),
      publicUrl: PUBLIC_URL,
      batchSize: BATCH,
      concurrency: CONCURRENCY,
      pipelineDepth: DEPTH,
    });
    const { planned, plannerMs } = await profiled(args.profile, async () => {
      // As the service runs: the dispatcher is up when the planner starts, and takes each chunk
      // of digests once it commits (its poll), so queueing and rendering overlap.
      if (!args.sequential && !args["plan-only"]) await dispatcher.start();
      try {
        const p0 = performance.now();
        const planned = await runDigestPlanner({ database, now, queueAt: now, chunkSize: CHUNK });
        const plannerMs = performance.now() - p0;
        if (args["plan-only"]) return { planned, plannerMs };
        if (args.sequential) await dispatcher.start();
        dispatcher.wake();
        await waitFor(
          "every queued digest to be rendered",
          async () =>
            (
              await rows<{ n: number }>(
                db,
                sql`select count(*)::int as n from notifications where status in ('pending', 'sending')`,
              )
            )[0].n === 0,
          TIMEOUT_MS,
          100,
        );
        return { planned, plannerMs };
      } finally {
        await dispatcher.stop();
      }
    });
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const peakMb = rss.stop();
    if (args["plan-only"]) {
      console.log(`planner only: ${JSON.stringify(planned)} in ${fmt(plannerMs)} ms; peak RSS ${fmt(peakMb)} MB`);
      return null;
    }

    const [st] = await rows<{ sent: number; other: number }>(
      db,
      sql`select count(*) filter (where status = 'sent')::int as sent, count(*) filter (where status <> 'sent')::int as other
          from notifications where kind = 'digest'`,
    );
    const messages = rendered.email + rendered.webhook + rendered.slack;
    if (st.other !== 0 || st.sent !== planned.notifications || messages !== planned.notifications) {
      throw new Error(
        `expected ${planned.notifications} digests rendered: ${messages} rendered, ${st.sent} sent, ${st.other} not`,
      );
    }

    // Baseline: the same renderer on a uniform sample of the same digest emails, composed again
    // (after the timing) so that the pipeline holds no sample in memory.
    const picked = await rows<Claimed>(
      db,
      sql`select n.id, n.user_id, n.channel_id, n.kind, n.attempts, n.digest_id, n.payload, n.created_at
          from notifications n join channels c on c.id = n.channel_id
          where n.kind = 'digest' and c.type = 'email' order by random() limit ${SAMPLE}`,
    );
    const sample = (await compose(db, keys, PUBLIC_URL, picked, now)).ready.map((r) => r.msg);
    const bare = async () => {
      const b0 = performance.now();
      for (const m of sample) await inThread(m);
      return performance.now() - b0;
    };
    const htmlOnly = async () => {
      const b0 = performance.now();
      for (const m of sample) await render(emailElement(m));
      return performance.now() - b0;
    };
    await bare(); // warm, as the pipeline's first renders warmed it
    const bareMs = Math.min(await bare(), await bare());
    const htmlMs = await htmlOnly();
    let poolBareMs: number | undefined;
    if (pooled) {
      const viaPool = async () => {
        const b0 = performance.now();
        let next = 0;
        const lane = async () => {
          while (next < sample.length) await pooled(sample[next++]);
        };
        await Promise.all(Array.from({ length: THREADS * 2 }, lane));
        return performance.now() - b0;
      };
      poolBareMs = Math.min(await viaPool(), await viaPool());
    }

    const pipelineRate = (rendered.email / wallMs) * 1000;
    const bareRate = (sample.length / bareMs) * 1000;
    const poolBareRate = poolBareMs ? (sample.length / poolBareMs) * 1000 : undefined;
    const ceiling = poolBareRate ?? bareRate;
    const afterPlannerMs = wallMs - plannerMs;
    console.log(
      `  planner: ${fmt(planned.users)} users → ${fmt(planned.digests)} digests (${fmt(planned.empty)} quiet weeks), ` +
        `${fmt(planned.notifications)} notifications queued in ${fmt(plannerMs)} ms`,
    );
    console.log(
      `  dispatcher: ${fmt(rendered.email)} emails, ${fmt(rendered.webhook)} webhooks rendered (${fmt(rendered.bytes / 1e6, 1)} MB) and recorded; ` +
        `${fmt(afterPlannerMs)} ms after the planner finished (${args.sequential ? "started then" : "running alongside it"})`,
    );
    console.log(
      `  pipeline: ${fmt(wallMs)} ms wall (${(wallMs / 60_000).toFixed(2)} min), ${fmt((planned.digests / wallMs) * 1000)} digests/s, ` +
        `${fmt(pipelineRate)} digest emails/s; process CPU ${fmt((cpu.user + cpu.system) / 1000)} ms ` +
        `(${((cpu.user + cpu.system) / 1000 / wallMs).toFixed(2)} cores; machine load average ${loadavg()[0].toFixed(1)}); ` +
        `peak RSS ${fmt(peakMb)} MB (${fmt(rssBefore)} MB before; peak V8 heap in use, main thread, ${fmt(rss.peakHeapMb())} MB)`,
    );
    console.log(
      `  bare email render in the main thread (${fmt(sample.length)} sampled digests): ${fmt(bareRate)} emails/s ` +
        `(${(bareMs / sample.length).toFixed(2)} ms each; HTML alone ${(htmlMs / sample.length).toFixed(2)} ms)` +
        (poolBareRate ? `; through the pool, ${THREADS * 2} in flight: ${fmt(poolBareRate)} emails/s` : ""),
    );
    console.log(
      `  ratio pipeline emails/s ÷ bare ${poolBareRate ? "pool" : "in-thread"} render emails/s = ${(pipelineRate / ceiling).toFixed(2)} (target ≥ 0.7); ` +
        `wall ${(wallMs / 60_000).toFixed(2)} min (target < 5 for 100k); peak RSS ${fmt(peakMb)} MB (target < 300)   [${database.kind}]`,
    );
    return {
      mode,
      digests: planned.digests,
      emails: rendered.email,
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakMb,
      bareRate,
      poolBareRate,
    };
  } finally {
    await pooled?.close();
    await database.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
