/**
 * The black-box contract suite against a real process (README, "The Worker"):
 *
 *   npm run test:blackbox -- --target node     the built service (npm run build, node dist/src/index.js)
 *   npm run test:blackbox -- --target worker   npm run dev:worker (wrangler dev, local workerd)
 *
 * Creates a fresh PostgreSQL database, starts a local Resend (test/fakes) and the target on a free
 * port with the configuration the suite needs, waits for /readyz, runs test/blackbox/ with
 * BLACKBOX_URL and the secrets it was started with, then stops the whole process tree and drops the
 * database. The service's own output goes to a log file, printed on failure.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { EnvSchema } from "../src/env";
import { startMailbox } from "../test/blackbox/mailbox";

const USAGE = `usage: npm run test:blackbox -- --target node|worker [vitest arguments]

Runs test/blackbox/ (vitest.blackbox.config.ts) over HTTP against a service started for the run:
  node    npm run build, then node dist/src/index.js (what npm start runs)
  worker  npm run dev:worker (migrates from Node, then wrangler dev with local Queues, Durable
          Objects and the Hyperdrive binding pointed at the database)

environment:
  BLACKBOX_DATABASE_URL  the database to create, use and drop (default
                         postgres://postgres@127.0.0.1:5432/clausewatch_blackbox_<target>_<pid>);
                         the server's "postgres" database is used to create and drop it
  BLACKBOX_KEEP_LOG      1: keep the service's log even when the suite passes
`;

type TargetName = "node" | "worker";

const READY_TIMEOUT_MS: Record<TargetName, number> = { node: 30_000, worker: 90_000 };

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function readOptions(argv: string[]): { target: TargetName; vitestArgs: string[] } {
  let target: string | undefined;
  // everything that is not --target goes to vitest (a file filter, -t "name", --reporter …)
  const vitestArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (arg === "--target") target = argv[++i];
    else if (arg.startsWith("--target=")) target = arg.slice("--target=".length);
    else vitestArgs.push(arg);
  }
  if (target !== "node" && target !== "worker") fail(`--target must be node or worker (got ${target ?? "nothing"})`);
  return { target, vitestArgs };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs one statement on the server's maintenance database (CREATE/DROP DATABASE cannot run in the target). */
async function onServer(url: URL, statement: string): Promise<void> {
  const sql = postgres({
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || "postgres"),
    password: decodeURIComponent(url.password) || undefined,
    database: "postgres",
    max: 1,
    onnotice: () => {},
  });
  try {
    await sql.unsafe(statement);
  } finally {
    await sql.end();
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Stops the target's whole process tree (npm → tsx → wrangler → workerd): its own process group. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const group = -child.pid;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(group, s);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const done = await Promise.race([exited(child).then(() => true), new Promise((r) => setTimeout(() => r(false), 15_000))]);
  // whatever is left of the group (a workerd that outlived wrangler) goes too
  signal(done ? "SIGTERM" : "SIGKILL");
}

async function waitReady(baseUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the target exited (${child.exitCode ?? child.signalCode}) before answering /readyz`);
    }
    try {
      const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no 200 from ${baseUrl}/readyz within ${seconds(timeoutMs)}`);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(command, args, { stdio: "inherit", env });
  return exited(child).then((code) => code ?? 1);
}

async function main(): Promise<number> {
  const started = Date.now();
  const { target, vitestArgs } = readOptions(process.argv.slice(2));
  const dbUrl = new URL(
    process.env.BLACKBOX_DATABASE_URL || `postgres://postgres@127.0.0.1:5432/clausewatch_blackbox_${target}_${process.pid}`,
  );
  const dbName = decodeURIComponent(dbUrl.pathname.slice(1));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(dbName)) fail(`BLACKBOX_DATABASE_URL: unusable database name "${dbName}"`);

  const work = mkdtempSync(join(tmpdir(), `clausewatch-blackbox-${target}-`));
  const logFile = join(work, "service.log");
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const secrets = {
    ADMIN_TOKEN: `adm_${randomBytes(18).toString("base64url")}`,
    INGEST_SECRET: `whsec_${randomBytes(32).toString("base64")}`,
    SECRET_KEY: randomBytes(32).toString("hex"),
  };

  const mailbox = await startMailbox();
  await onServer(dbUrl, `drop database if exists "${dbName}" with (force)`);
  await onServer(dbUrl, `create database "${dbName}"`);

  // the service's configuration, and nothing inherited that would change it (REDIS_URL, TRUST_PROXY…)
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(EnvSchema.shape)) delete base[name];
  const serviceEnv: NodeJS.ProcessEnv = {
    ...base,
    ...secrets,
    PORT: String(port),
    DATABASE_URL: dbUrl.toString(),
    DATA_DIR: join(work, "data"),
    PUBLIC_URL: baseUrl,
    RESEND_API_KEY: mailbox.apiKey,
    RESEND_BASE_URL: mailbox.resendUrl,
    // the suite's webhook receivers listen on 127.0.0.1
    ALLOW_PRIVATE_WEBHOOK_TARGETS: "true",
    // the rate-limit test spends a public budget: a small one keeps it cheap
    PUBLIC_RATE_LIMIT_PER_MINUTE: "5",
    LOG_LEVEL: "info",
  };

  let child: ChildProcess | undefined;
  let code = 1;
  let readyAfter = 0;
  let suiteMs = 0;
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= (async () => {
      if (child) await stop(child);
      await mailbox.close();
      await onServer(dbUrl, `drop database if exists "${dbName}" with (force)`).catch((err) =>
        console.error(`blackbox: could not drop ${dbName}: ${String(err)}`),
      );
    })();
    return cleaning;
  };
  for (const s of ["SIGINT", "SIGTERM"] as const) {
    process.once(s, () => {
      cleanup().finally(() => process.exit(130));
    });
  }

  try {
    const log = openSync(logFile, "a");
    const spawnOpts = { env: serviceEnv, detached: true, stdio: ["ignore", log, log] as ["ignore", number, number] };
    if (target === "node") {
      const built = await run("npm", ["run", "-s", "build"], serviceEnv);
      if (built !== 0) throw new Error(`npm run build exited ${built}`);
      child = spawn(process.execPath, ["--enable-source-maps", "dist/src/index.js"], spawnOpts);
    } else {
      serviceEnv.WRANGLER_SEND_METRICS = "false";
      serviceEnv.XDG_CONFIG_HOME = process.env.XDG_CONFIG_HOME || join(process.cwd(), ".wrangler/config");
      serviceEnv.WORKER_DEV_VARS = join(work, "dev.vars");
      // queues, Durable Object counters and caches of this run only
      child = spawn("npm", ["run", "-s", "dev:worker", "--", "--persist-to", join(work, "state")], spawnOpts);
    }
    closeSync(log);
    await waitReady(baseUrl, child, READY_TIMEOUT_MS[target]);
    readyAfter = Date.now() - started;
    console.log(`blackbox: ${target} ready at ${baseUrl} after ${seconds(readyAfter)} (database ${dbName})`);

    const suiteStarted = Date.now();
    code = await run(
      process.execPath,
      ["node_modules/vitest/vitest.mjs", "run", "-c", "vitest.blackbox.config.ts", ...vitestArgs],
      {
        ...process.env,
        BLACKBOX_URL: baseUrl,
        BLACKBOX_ADMIN_TOKEN: secrets.ADMIN_TOKEN,
        BLACKBOX_INGEST_SECRET: secrets.INGEST_SECRET,
        BLACKBOX_MAILBOX_URL: mailbox.url,
      },
    );
    suiteMs = Date.now() - suiteStarted;
  } catch (err) {
    console.error(`blackbox: ${err instanceof Error ? err.message : String(err)}`);
    code = 1;
  } finally {
    await cleanup();
  }

  const logText = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
  const errors = logText.split("\n").filter((l) => /"level":"error"|\[ERROR\]|✘/.test(l));
  if (errors.length) {
    console.log(`blackbox: ${errors.length} error line(s) in the ${target}'s log, the first ones:`);
    for (const line of errors.slice(0, 10)) console.log(`  ${line.slice(0, 400)}`);
  }
  if (code !== 0 && logText.trim()) {
    console.log(`blackbox: the ${target}'s last log lines (${logFile}):`);
    for (const line of logText.trimEnd().split("\n").slice(-40)) console.log(`  ${line.slice(0, 400)}`);
  } else if (code !== 0 || process.env.BLACKBOX_KEEP_LOG === "1") {
    console.log(`blackbox: the ${target}'s log: ${logFile}`);
  } else {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(
    `blackbox: target ${target} ${code === 0 ? "passed" : "FAILED"}: ready ${seconds(readyAfter)}, suite ${seconds(suiteMs)}, total ${seconds(Date.now() - started)}`,
  );
  return code;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error("blackbox:", err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
