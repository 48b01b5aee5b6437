/**
 * Weekly digest benchmark: every user is due now. One planner run builds and queues every digest;
 * then the real dispatcher (claim, compose, complete) hands each queued digest to channels that
 * render it exactly as the real ones do (the React Email renderer for email, the webhook body for
 * webhooks) and stop before the network. Baseline, in the same run: the bare rate of the email
 * renderer (WeeklyDigest HTML + its text part) on a uniform sample of the same messages.
 *
 *   npm run bench:digest                           # in-memory PGlite (RSS then includes the database)
 *   npm run bench:digest -- --db postgres          # BENCH_DATABASE_URL or …/clausewatch_bench2 (schema rebuilt)
 *   npm run bench:digest -- --db postgres --users 10000
 *
 * By default the dispatcher runs alongside the planner, as in the service (`--sequential`: after it).
 * The npm script sets NODE_ENV=production: React renders about twice as fast as in development.
 * Peak RSS is sampled every 50 ms over the measured pipeline (seeding excluded); with default V8
 * flags on a large machine the heap grows lazily, so most of the peak is garbage: compare
 * `NODE_OPTIONS=--max-old-space-size=128 npm run bench:digest -- --db postgres` (a container's cap).
 */
import { parseArgs } from "node:util";
import { render } from "@react-email/render";
import { sql } from "drizzle-orm";
import { rows } from "../src/db/types";
import { compose } from "../src/delivery/compose";
import { createDispatcher } from "../src/delivery/dispatcher";
import { createMetrics } from "../src/delivery/metrics";
import type { Claimed } from "../src/delivery/outbox";
import { createEmailRenderer, emailElement } from "../src/delivery/render/email";
import { renderSlack } from "../src/delivery/render/slack";
import { renderWebhook } from "../src/delivery/render/webhook";
import type { Channel, Channels } from "../src/delivery/types";
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
const TIMEOUT_MS = 20 * 60_000;
const PUBLIC_URL = "https://clausewatch.example";

const log = createLogger("error", (line) => console.error(line));

async function main() {
  if (process.env.NODE_ENV !== "production") {
    console.warn("NODE_ENV is not production: React renders in development mode (~2× slower); use `npm run bench:digest`");
  }
  const database = await openBenchDatabase(DB, { max: 10 });
  const { db } = database;
  const keys = await createKeys(randomBytes(32));
  const now = new Date();
  try {
    console.log(`clausewatch digest benchmark — ${database.kind}, ${fmt(USERS)} users, ${EVENTS} events over the last 7 days`);
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
    const renderEmail = createEmailRenderer({ publicUrl: PUBLIC_URL });
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
      return;
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
      for (const m of sample) await renderEmail(m);
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

    const pipelineRate = (rendered.email / wallMs) * 1000;
    const bareRate = (sample.length / bareMs) * 1000;
    const afterPlannerMs = wallMs - plannerMs;
    console.log(
      `\nplanner: ${fmt(planned.users)} users → ${fmt(planned.digests)} digests (${fmt(planned.empty)} quiet weeks), ` +
        `${fmt(planned.notifications)} notifications queued in ${fmt(plannerMs)} ms`,
    );
    console.log(
      `dispatcher: ${fmt(rendered.email)} emails, ${fmt(rendered.webhook)} webhooks rendered (${fmt(rendered.bytes / 1e6, 1)} MB) and recorded; ` +
        `${fmt(afterPlannerMs)} ms after the planner finished (${args.sequential ? "started then" : "running alongside it"})`,
    );
    console.log(
      `pipeline: ${fmt(wallMs)} ms wall (${(wallMs / 60_000).toFixed(2)} min), ${fmt((planned.digests / wallMs) * 1000)} digests/s, ` +
        `${fmt(pipelineRate)} digest emails/s; process CPU ${fmt((cpu.user + cpu.system) / 1000)} ms; ` +
        `peak RSS ${fmt(peakMb)} MB (${fmt(rssBefore)} MB before; peak V8 heap in use ${fmt(rss.peakHeapMb())} MB)`,
    );
    console.log(
      `bare email render (same renderer, ${fmt(sample.length)} sampled digests): ${fmt(bareRate)} emails/s ` +
        `(${(bareMs / sample.length).toFixed(2)} ms each; HTML alone ${(htmlMs / sample.length).toFixed(2)} ms)`,
    );
    console.log(
      `\nratio pipeline emails/s ÷ bare render emails/s = ${(pipelineRate / bareRate).toFixed(2)} (target ≥ 0.7); ` +
        `wall ${(wallMs / 60_000).toFixed(2)} min (target < 5); peak RSS ${fmt(peakMb)} MB (target < 300)   [${database.kind}]`,
    );
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
