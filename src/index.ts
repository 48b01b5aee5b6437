import { availableParallelism } from "node:os";
import { serve } from "@hono/node-server";
import { createApp } from "./app";
import { openDatabase } from "./db/client";
import type { Database } from "./db/types";
import { createDispatcher, notifyOutbox } from "./delivery/dispatcher";
import { createMetrics } from "./delivery/metrics";
import { createChannels } from "./delivery/setup";
import type { Deps } from "./deps";
import { runDigestPlanner } from "./digest/planner";
import { appConfig, type Env, parseEnv } from "./env";
import { createFanoutWorker, notifyEvents } from "./ingest/fanout-worker";
import { startScheduler } from "./jobs/scheduler";
import { runTrialJob } from "./jobs/trials";
import { systemClock } from "./lib/clock";
import { coalesce } from "./lib/coalesce";
import { decodeSecretKey, type Keys } from "./lib/crypto";
import { createNodeKeys } from "./lib/crypto-node";
import { createLogger, type Logger } from "./lib/log";
import { resolveHost } from "./lib/resolve";
import { createRateLimits } from "./middleware/rate-limit";
import { createRedisClient, nodeRemoteAddress } from "./middleware/rate-limit-node";
import { loadSecrets, type Secrets, secretsBanner, secretsFile } from "./secrets";

/** localhost names are exempt: a developer's own machine never needs https. */
function isPlainHttpElsewhere(publicUrl: string): boolean {
  const url = new URL(publicUrl);
  if (url.protocol !== "http:") return false;
  const host = url.hostname;
  return !(host === "localhost" || host.endsWith(".localhost") || host === "127.0.0.1" || host === "[::1]");
}

/**
 * Waits for the server to listen. A port taken or forbidden answers a one-line reason naming
 * PORT (the usual fix), instead of an unhandled 'error' event and its stack; other errors throw.
 */
function listening(server: ReturnType<typeof serve>, port: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") resolve(`port ${port} is already in use; set PORT to another port`);
      else if (err.code === "EACCES") resolve(`no permission to listen on port ${port}; set PORT to another port (above 1023)`);
      else reject(err);
    };
    if (server.listening) return resolve(null);
    server.once("error", onError);
    server.once("listening", () => {
      server.off("error", onError);
      resolve(null);
    });
  });
}

/** The environment, parsed once; an invalid one is reported field by field and the process exits. */
function loadEnv(): Env {
  const parsed = parseEnv(process.env);
  if (parsed.ok) return parsed.env;
  console.error("clausewatch: invalid configuration");
  for (const p of parsed.problems) console.error(`  ${p}`);
  process.exit(1);
}

/** PostgreSQL when DATABASE_URL is set (with `sql` debug lines at LOG_LEVEL=debug), else embedded PGlite in DATA_DIR. */
function openServiceDatabase(env: Env, log: Logger): Promise<Database> {
  // debug: every PostgreSQL statement's text (no parameters) and round trip, from the protocol
  const onStatement =
    env.LOG_LEVEL === "debug"
      ? (text: string, ms: number) =>
          log.debug("sql", { sql: text.replace(/\s+/g, " ").trim().slice(0, 500), duration_ms: Math.round(ms * 10) / 10 })
      : undefined;
  return openDatabase(env.DATABASE_URL ? { url: env.DATABASE_URL, onStatement } : { dataDir: `${env.DATA_DIR}/pglite` });
}

function servicePublicUrl(env: Env, log: Logger): string {
  const publicUrl = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  if (isPlainHttpElsewhere(publicUrl)) {
    log.warn(
      "PUBLIC_URL is http:// on a host other than localhost: mail providers honour one-click unsubscribe (RFC 8058) only over https, and session cookies are secure only over https",
      { public_url: publicUrl },
    );
  }
  return publicUrl;
}

/**
 * The background pipeline of this process: channels, the dispatcher and the fan-out worker, with
 * the wake-ups that connect them (in process at once, other replicas through NOTIFY).
 */
function createPipeline(env: Env, o: { database: Database; keys: Keys; log: Logger; publicUrl: string }) {
  const { database, keys, log, publicUrl } = o;
  const metrics = createMetrics();
  const channels = createChannels({
    publicUrl,
    dataDir: env.DATA_DIR,
    emailFrom: env.EMAIL_FROM,
    resendApiKey: env.RESEND_API_KEY,
    resendBaseUrl: env.RESEND_BASE_URL,
    resendRatePerSecond: env.RESEND_RATE_PER_SECOND,
    slackApiUrl: env.SLACK_API_URL,
    allowPrivateWebhookTargets: env.ALLOW_PRIVATE_WEBHOOK_TARGETS,
    resolveHost,
    // emails render on this many worker threads (started with the first email); 0: in this thread
    renderThreads: env.RENDER_THREADS ?? availableParallelism(),
    log,
  });
  const dispatcher = createDispatcher({ database, channels, keys, clock: systemClock, log, metrics, publicUrl });
  const notifyFailed = (err: unknown) => log.warn("notify failed", { error: String(err) });
  const notifyDispatchers = coalesce(() => notifyOutbox(database), notifyFailed);
  const onQueued = () => {
    dispatcher.wake();
    notifyDispatchers();
  };
  // Events are accepted with one INSERT; this worker matches and queues them after the answer.
  const fanout = createFanoutWorker({ database, clock: systemClock, log, onQueued });
  const notifyFanouts = coalesce(() => notifyEvents(database), notifyFailed);
  const onAccepted = () => {
    fanout.wake();
    notifyFanouts();
  };
  return { metrics, channels, dispatcher, fanout, onQueued, onAccepted };
}

/** The minute jobs (node-cron, one run per minute across replicas): the digest planner and trial expiry. */
function startJobs(database: Database, log: Logger, onQueued: () => void) {
  return startScheduler({
    database,
    clock: systemClock,
    log,
    jobs: [
      {
        name: "digests",
        run: async (now) => {
          const r = await runDigestPlanner({ database, now, queueAt: now, log });
          if (r.notifications > 0) onQueued();
          return { ...r };
        },
      },
      {
        name: "trials",
        run: async (now) => {
          const r = await runTrialJob({ database, now, log });
          if (r.notices > 0) onQueued();
          return { notices: r.notices, trials_ended: r.expired.users, alerts_suppressed: r.expired.alertsSuppressed };
        },
      },
    ],
  });
}

function banner(env: Env, o: { publicUrl: string; database: Database; secrets: Secrets; redis: unknown; emailMode: string }) {
  const { publicUrl, database, secrets, redis, emailMode } = o;
  return [
    `clausewatch listening on ${publicUrl} (database: ${database.kind === "pglite" ? `embedded PGlite in ${env.DATA_DIR}/pglite` : "PostgreSQL"})`,
    // only generated secrets are shown; those given in the environment never are
    ...secretsBanner(secrets, secretsFile(env.DATA_DIR)),
    `  docs          ${publicUrl}/docs`,
    `  rate limits   ${env.RATE_LIMIT_PER_MINUTE}/min per API key, ${env.PUBLIC_RATE_LIMIT_PER_MINUTE}/min per address on public pages (${redis ? "shared in Redis" : "counted in this process"})`,
    `  email         ${emailMode === "resend" ? "Resend" : `written to ${env.DATA_DIR}/outbox/ (no RESEND_API_KEY)`}`,
  ].join("\n");
}

type Pipeline = ReturnType<typeof createPipeline>;

/**
 * SIGTERM/SIGINT: stop taking requests and claims, let what is in flight finish (10 s), hand back
 * what was not sent, then close the database and exit 0.
 */
function shutdownOnSignals(o: {
  server: ReturnType<typeof serve>;
  pipeline: Pipeline;
  scheduler: { stop(): Promise<void> };
  database: Database;
  redis?: { disconnect(): void };
  log: Logger;
}) {
  const { server, pipeline, scheduler, database, redis, log } = o;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    // The dispatcher stops claiming at once and hands back what it has not sent, while its sends
    // in flight get up to 10 s (stopGraceMs), alongside the HTTP requests' own 10 s.
    const dispatcherStopped = pipeline.dispatcher.stop();
    // Stop accepting; let in-flight requests finish; drop idle keep-alive sockets.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if ("closeIdleConnections" in server) server.closeIdleConnections();
    const force = setTimeout(() => {
      log.warn("forcing shutdown after 10 s");
      if ("closeAllConnections" in server) server.closeAllConnections();
    }, 10_000);
    force.unref();
    await closed;
    await scheduler.stop();
    // A fan-out round is one transaction: let it commit, then no more start.
    await pipeline.fanout.stop();
    await dispatcherStopped;
    // no send is in flight any more: end the email render threads
    await pipeline.channels.close();
    await database.close();
    // An open Redis socket (or its reconnect timer) would keep the process alive.
    redis?.disconnect();
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

/** Node entry: parse env once, build the dependencies, serve, and shut down cleanly. */
async function main() {
  const env = loadEnv();
  const log = createLogger(env.LOG_LEVEL);
  const secrets = loadSecrets(env.DATA_DIR, env);
  const database = await openServiceDatabase(env, log);
  const publicUrl = servicePublicUrl(env, log);
  // node:crypto keys (same bytes as crypto.ts's WebCrypto ones): the dispatcher HMACs and decrypts per message
  const keys = createNodeKeys(decodeSecretKey(secrets.secretKey));
  const pipeline = createPipeline(env, { database, keys, log, publicUrl });
  const redis = env.REDIS_URL ? createRedisClient(env.REDIS_URL, log) : undefined;
  const deps: Deps = {
    database,
    clock: systemClock,
    metrics: pipeline.metrics,
    onQueued: pipeline.onQueued,
    onAccepted: pipeline.onAccepted,
    rateLimits: createRateLimits({
      userPerMinute: env.RATE_LIMIT_PER_MINUTE,
      publicPerMinute: env.PUBLIC_RATE_LIMIT_PER_MINUTE,
      redis,
      log,
    }),
    remoteAddress: nodeRemoteAddress,
    keys,
    config: appConfig(env, {
      adminToken: secrets.adminToken,
      ingestSecret: secrets.ingestSecret,
      publicUrl,
      trustProxy: env.TRUST_PROXY,
    }),
    log,
    resolveHost,
  };
  const server = serve({ fetch: createApp(deps).fetch, port: env.PORT, hostname: "0.0.0.0" });
  // Nothing else starts, and no banner is printed, until the port is really ours.
  const refused = await listening(server, env.PORT);
  if (refused) {
    console.error(`clausewatch: ${refused}`);
    redis?.disconnect();
    await database.close();
    process.exit(1);
  }
  await pipeline.dispatcher.start();
  await pipeline.fanout.start();
  const scheduler = startJobs(database, log, pipeline.onQueued);
  console.log(banner(env, { publicUrl, database, secrets, redis, emailMode: pipeline.channels.emailMode }));
  shutdownOnSignals({ server, pipeline, scheduler, database, redis, log });
}

main().catch((err) => {
  console.error("clausewatch failed to start:", err);
  process.exit(1);
});
