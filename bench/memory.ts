/**
 * Memory benchmark: the resident memory of the service alone, as `npm start` runs it (`npm run
 * build`, then `node --enable-source-maps dist/src/index.js` as a child process with its own
 * configuration), on PostgreSQL and on embedded PGlite, one after the other in one run.
 *
 *   npm run bench:memory                          # both databases, PostgreSQL first
 *   npm run bench:memory -- --db postgres         # BENCH_DATABASE_URL or …/clausewatch_memory (dropped and recreated)
 *   npm run bench:memory -- --db pglite           # PGlite in a fresh DATA_DIR (a temp dir, removed at the end)
 *   npm run bench:memory -- --users 1000 --matched 110 --conns 50 --seconds 12 --idle 10
 *   npm run bench:memory -- --heap-snapshot       # the service's heap (SIGUSR2) at the end of the load; path printed
 *
 * Phases, each with the service's RSS at its end and its peak: start-up to the first 200 from
 * /readyz; 5 s idle; `--users` users created through the operator API (`POST /v1/admin/users`,
 * 80 % free, 17 % watcher, 3 % professional) with one platform watch each (`POST /v1/watchlist`),
 * 10 requests at a time (`--concurrency`), `--matched` of them on the platform the events use (so
 * each event fans out to that many users, as in bench:ingest); the ingest load: `--conns`
 * keep-alive connections posting signed events with fresh ids for `--seconds`
 * (bench/lib/load-client.ts, forked as bench:ingest forks it); the fan-out catching up (the newest
 * event in `GET /v1/admin/events` fanned out: the worker takes events in arrival order); `--idle`
 * seconds idle.
 *
 * VmRSS and VmHWM are read from /proc/<pid>/status every 100 ms (the render worker threads, if
 * any started, are the same process). A phase's peak is its VmHWM, reset at the phase's start
 * (`5` written to /proc/<pid>/clear_refs), or the largest sample where that reset is refused; the
 * start-up's peak is VmHWM since the process began. Not counted: PostgreSQL's own processes, the
 * load generator and this harness.
 */
import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import postgres from "postgres";
import type { ChangeEvent } from "../src/lib/event-schema";
import { PLATFORMS, platformSlug } from "./fanout-seed";
import { intArg } from "./lib/db";
import type { LoadRequest, LoadResult } from "./lib/load-client";
import { freePort } from "./lib/net";
import { fmt, waitFor } from "./lib/stats";

const { values: args } = parseArgs({
  options: {
    /** "both" (PostgreSQL, then PGlite), "postgres" or "pglite" */
    db: { type: "string", default: "both" },
    users: { type: "string", default: "1000" },
    /** users watching the events' platform: the audience of every event */
    matched: { type: "string", default: "110" },
    /** concurrent requests while creating the users */
    concurrency: { type: "string", default: "10" },
    conns: { type: "string", default: "50" },
    seconds: { type: "string", default: "12" },
    /** seconds idle after the catch-up */
    idle: { type: "string", default: "10" },
    "catch-up-timeout": { type: "string", default: "600" },
    "timeout-ms": { type: "string", default: "10000" },
    /** the service's LOG_LEVEL (its output goes to a log file, shown when it fails) */
    log: { type: "string", default: "warn" },
    "heap-snapshot": { type: "boolean", default: false },
  },
});
const USERS = intArg("users", args.users);
const MATCHED = intArg("matched", args.matched);
const CONCURRENCY = intArg("concurrency", args.concurrency);
const CONNS = intArg("conns", args.conns);
const SECONDS = intArg("seconds", args.seconds);
const IDLE_S = intArg("idle", args.idle, 0);
const CATCH_UP_S = intArg("catch-up-timeout", args["catch-up-timeout"]);
const TIMEOUT_MS = intArg("timeout-ms", args["timeout-ms"], 100);
const HEAP_SNAPSHOT = args["heap-snapshot"] === true;
if (!["debug", "info", "warn", "error"].includes(args.log)) throw new Error("--log is debug, info, warn or error");
if (MATCHED > USERS) throw new Error("--matched cannot exceed --users");
type Db = "postgres" | "pglite";
if (!["both", "postgres", "pglite"].includes(args.db)) throw new Error("--db is both, postgres or pglite");
const DBS: Db[] = args.db === "both" ? ["postgres", "pglite"] : [args.db as Db];

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const PG_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/clausewatch_memory";
const GOAL_MB = 300;
const IDLE_AFTER_READY_S = 5;
const READY_TIMEOUT_MS = 180_000;
/** the events' platform; the other users watch platform-002 … platform-325 */
const HOT = platformSlug(1);

const template = JSON.parse(
  readFileSync(new URL("../test/fixtures/events/01-anthropic-ai-training.json", import.meta.url), "utf8"),
) as ChangeEvent;
/** the event posted, with its id and platform filled in by the load client */
const TEMPLATE = JSON.stringify({ ...template, id: "__ID__", platform: { slug: "__PLATFORM__", name: "Bench Platform" } });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (kb: number) => kb / 1024;

/** VmRSS and VmHWM of a process (MB), or null once it is gone. */
function readMem(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
    return { rss: mb(kb("VmRSS")), hwm: mb(kb("VmHWM")) };
  } catch {
    return null;
  }
}

/** Samples a process's memory every 100 ms; `phase()` starts a phase, `end()` answers its RSS and peak. */
function memorySampler(pid: number) {
  let last = readMem(pid) ?? { rss: 0, hwm: 0 };
  let max = last.rss;
  let hwmReset = true;
  const take = () => {
    const m = readMem(pid);
    if (!m) return;
    last = m;
    if (m.rss > max) max = m.rss;
  };
  const timer = setInterval(take, 100);
  timer.unref();
  return {
    /** VmHWM could be reset at each phase (else a phase's peak is its largest sample) */
    hwmReset: () => hwmReset,
    phase() {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, "5");
      } catch {
        hwmReset = false;
      }
      take();
      max = last.rss;
    },
    /** `sinceStart`: the peak is VmHWM as the process has it (the start-up phase) */
    end(sinceStart = false): { rss: number; peak: number } {
      take();
      return { rss: last.rss, peak: sinceStart || hwmReset ? Math.max(max, last.hwm) : max };
    },
    stop: () => clearInterval(timer),
  };
}

interface Phase {
  name: string;
  ms: number;
  rss: number;
  peak: number;
  note?: string;
}

interface Result {
  db: Db;
  where: string;
  pid: number;
  phases: Phase[];
  load: LoadResult;
  /** from the last answer of the load to the newest event fanned out */
  catchUpMs: number;
  newest: { id: string; matched_users: number | null; alerts: number | null };
  snapshot?: string;
  hwmReset: boolean;
  exitCode: number | null;
  /** the machine's 1-minute load average at the start and at the end of this database's run */
  loadAvg: [number, number];
}

interface Service {
  child: ChildProcess;
  base: string;
  adminToken: string;
  ingestSecret: string;
  logFile: string;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once("exit", () => resolve()));

/** SIGTERM, up to 20 s for the service's own shutdown, then SIGKILL; answers the exit code (null: killed). */
async function stopService(child: ChildProcess): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
    const done = await Promise.race([exited(child).then(() => true), sleep(20_000).then(() => false)]);
    if (!done) {
      child.kill("SIGKILL");
      await exited(child);
    }
  }
  return child.exitCode;
}

const tail = (file: string, lines = 30) => {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
};

/** Throws with the service's last log lines when it has exited. */
function assertAlive(s: Service) {
  if (s.child.exitCode !== null || s.child.signalCode !== null) {
    throw new Error(`the service exited (${s.child.exitCode ?? s.child.signalCode}); its last lines:\n${tail(s.logFile)}`);
  }
}

/** Drops and recreates the PostgreSQL database of the run. */
async function freshDatabase(url: string) {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`BENCH_DATABASE_URL: unusable database name "${name}"`);
  const admin = postgres(url, { database: "postgres", max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
}

/** Starts the bundle with the configuration it needs, and nothing inherited that would change it. */
async function startService(db: Db, work: string, snapDir: string | undefined): Promise<Service> {
  const port = await freePort();
  const adminToken = `adm_${randomBytes(18).toString("base64url")}`;
  const ingestSecret = `whsec_${randomBytes(32).toString("base64")}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? tmpdir(),
    PORT: String(port),
    DATA_DIR: join(work, "data"),
    ADMIN_TOKEN: adminToken,
    INGEST_SECRET: ingestSecret,
    SECRET_KEY: randomBytes(32).toString("hex"),
    LOG_LEVEL: args.log,
  };
  if (db === "postgres") env.DATABASE_URL = PG_URL;
  if (snapDir) env.NODE_OPTIONS = `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapDir}`;
  const logFile = join(work, "service.log");
  const log = openSync(logFile, "a");
  const child = spawn(process.execPath, ["--enable-source-maps", "dist/src/index.js"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error("the service did not start");
  running.add(child);
  return { child, base: `http://127.0.0.1:${port}`, adminToken, ingestSecret, logFile };
}

async function api(s: Service, method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${s.base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const tierOf = (i: number) => (i % 100 < 80 ? "free" : i % 100 < 97 ? "watcher" : "professional");
/** exactly MATCHED of the USERS indexes, spread evenly */
const watchesHot = (i: number) => Math.floor(((i + 1) * MATCHED) / USERS) > Math.floor((i * MATCHED) / USERS);

/** Creates the users and their watches, CONCURRENCY at a time; any other answer than 201 stops the run. */
async function createUsers(s: Service, prefix: string) {
  let next = 0;
  const one = async (i: number) => {
    const u = await api(s, "POST", "/v1/admin/users", s.adminToken, { email: `${prefix}-${i}@example.com`, tier: tierOf(i) });
    if (u.status !== 201) throw new Error(`POST /v1/admin/users answered ${u.status}: ${u.text.slice(0, 300)}`);
    const platform = watchesHot(i) ? HOT : platformSlug(2 + (i % (PLATFORMS - 1)));
    const w = await api(s, "POST", "/v1/watchlist", String(u.json.api_key), { platform });
    if (w.status !== 201) throw new Error(`POST /v1/watchlist answered ${w.status}: ${w.text.slice(0, 300)}`);
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < USERS) await one(next++);
    }),
  );
}

/** Runs one load in the client process. */
function load(child: ChildProcess, r: LoadRequest): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const onExit = () => reject(new Error("the load client exited"));
    child.once("exit", onExit);
    child.once("message", (m: LoadResult | { error: string }) => {
      child.off("exit", onExit);
      if ("error" in m) reject(new Error(m.error));
      else resolve(m);
    });
    child.send(r);
  });
}

type OperatorEvent = { id: string; fanned_out_at: string | null; matched_users: number | null; alerts: number | null };

/** Sends SIGUSR2 and waits for the snapshot to be written (the service answers again once it is). */
async function heapSnapshot(s: Service, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  s.child.kill("SIGUSR2");
  let file = "";
  await waitFor(
    "the heap snapshot",
    async () => {
      assertAlive(s);
      file = readdirSync(dir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f)) ?? "";
      if (!file) return false;
      return fetch(`${s.base}/readyz`, { signal: AbortSignal.timeout(60_000) }).then(
        (r) => r.status === 200,
        () => false,
      );
    },
    120_000,
    200,
  );
  return join(dir, file);
}

async function runOne(db: Db, loadClient: () => ChildProcess): Promise<Result> {
  const loadAtStart = loadavg()[0];
  const work = mkdtempSync(join(tmpdir(), `cw-memory-${db}-`));
  temporary.add(work);
  const snapDir = HEAP_SNAPSHOT ? mkdtempSync(join(tmpdir(), `cw-memory-heap-${db}-`)) : undefined;
  let service: Service | undefined;
  let sampler: ReturnType<typeof memorySampler> | undefined;
  const step = (what: string) => process.stderr.write(`  … ${db}: ${what}\n`);
  try {
    if (db === "postgres") await freshDatabase(PG_URL);
    const where = db === "postgres" ? `PostgreSQL (${new URL(PG_URL).pathname.slice(1)})` : "PGlite in a new DATA_DIR";
    step("starting the service");
    const started = performance.now();
    const s = await startService(db, work, snapDir);
    service = s;
    const pid = s.child.pid as number;
    const mem = memorySampler(pid);
    sampler = mem;
    const phases: Phase[] = [];
    let t = performance.now();
    const endPhase = (name: string, note?: string, sinceStart = false) => {
      const now = performance.now();
      phases.push({ name, ms: now - t, ...mem.end(sinceStart), note });
      t = now;
      mem.phase();
    };

    await waitFor(
      "/readyz",
      async () => {
        assertAlive(s);
        return fetch(`${s.base}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        );
      },
      READY_TIMEOUT_MS,
      50,
    );
    t = started;
    endPhase("start-up to /readyz 200", "peak: VmHWM since the process began", true);

    await sleep(IDLE_AFTER_READY_S * 1000);
    assertAlive(s);
    endPhase(`idle after ready, ${IDLE_AFTER_READY_S} s`);

    step(`creating ${fmt(USERS)} users and their watches`);
    await createUsers(s, `memory-${db}`);
    endPhase(
      `${fmt(USERS)} users + a watch each`,
      `${CONCURRENCY} at a time, ${fmt(((USERS * 2) / (performance.now() - t)) * 1000)} req/s (2 per user)`,
    );

    step(`ingest load, ${CONNS} connections × ${SECONDS} s`);
    const result = await load(loadClient(), {
      url: `${s.base}/v1/events`,
      secret: s.ingestSecret,
      conns: CONNS,
      seconds: SECONDS,
      timeoutMs: TIMEOUT_MS,
      idPrefix: `evt_memory_${db}`,
      template: TEMPLATE,
      platforms: [HOT],
    });
    const lastAnswer = performance.now();
    assertAlive(s);
    endPhase(
      `ingest load, ${CONNS} conns × ${SECONDS} s`,
      `${fmt(result.ok / result.seconds)} req/s, p99 ${fmt(result.p99, 1)} ms`,
    );

    let snapshot: string | undefined;
    if (snapDir) {
      step("heap snapshot (SIGUSR2)");
      snapshot = await heapSnapshot(s, snapDir);
      endPhase("heap snapshot (SIGUSR2)", "its own cost stays in the RSS of the phases after it");
    }

    step("fan-out catching up");
    let newest: OperatorEvent | undefined;
    await waitFor(
      "the fan-out to catch up",
      async () => {
        assertAlive(s);
        const r = await api(s, "GET", "/v1/admin/events?limit=1", s.adminToken);
        if (r.status !== 200) throw new Error(`GET /v1/admin/events answered ${r.status}: ${r.text.slice(0, 300)}`);
        newest = (r.json.items as OperatorEvent[])[0];
        return newest?.fanned_out_at != null;
      },
      CATCH_UP_S * 1000,
      250,
    );
    const catchUpMs = performance.now() - lastAnswer;
    endPhase("fan-out catch-up", `caught up ${fmt(catchUpMs)} ms after the last answer`);

    await sleep(IDLE_S * 1000);
    assertAlive(s);
    endPhase(`idle after, ${IDLE_S} s`);

    mem.stop();
    step("stopping the service (SIGTERM)");
    const exitCode = await stopService(s.child);
    running.delete(s.child);
    if (exitCode !== 0) throw new Error(`the service exited ${exitCode} on SIGTERM; its last lines:\n${tail(s.logFile)}`);
    return {
      db,
      where,
      pid,
      phases,
      load: result,
      catchUpMs,
      newest: newest as OperatorEvent,
      snapshot,
      hwmReset: mem.hwmReset(),
      exitCode,
      loadAvg: [loadAtStart, loadavg()[0]],
    };
  } finally {
    sampler?.stop();
    if (service) {
      await stopService(service.child);
      running.delete(service.child);
    }
    rmSync(work, { recursive: true, force: true });
    temporary.delete(work);
  }
}

const pad = (s: string, n: number) => s.padEnd(n);
const num = (x: number, n: number) => fmt(x).padStart(n);

function print(r: Result) {
  const l = r.load;
  const bad = Object.entries(l.non2xx).map(([st, n]) => `${n}× ${st}`);
  console.log(
    `\nclausewatch memory — ${r.where}; the bundle (node dist/src/index.js, pid ${r.pid}); ` +
      `${fmt(USERS)} users, ${fmt(MATCHED)} on the events' platform; LOG_LEVEL ${args.log}`,
  );
  console.log(
    `  machine: ${availableParallelism()} cores, load average (1 min) ${fmt(r.loadAvg[0], 2)} at the start, ` +
      `${fmt(r.loadAvg[1], 2)} at the end (other work on the machine shows here)`,
  );
  console.log(`  ${pad("phase", 34)}${"time".padStart(10)}${"RSS at end".padStart(13)}${"peak".padStart(10)}`);
  for (const p of r.phases) {
    const time = p.ms >= 10_000 ? `${fmt(p.ms / 1000, 1)} s` : `${fmt(p.ms)} ms`;
    console.log(
      `  ${pad(p.name, 34)}${time.padStart(10)}${num(p.rss, 10)} MB${num(p.peak, 7)} MB${p.note ? `   ${p.note}` : ""}`,
    );
  }
  console.log(
    `  load: ${fmt(l.ok / l.seconds)} req/s (${fmt(l.ok)} answered 2xx in ${l.seconds} s), p50 ${fmt(l.p50, 1)} ms, ` +
      `p99 ${fmt(l.p99, 1)} ms, max ${fmt(l.max)} ms; timeouts ${l.timeouts}, errors ${l.errors}` +
      `${bad.length ? `, non-2xx ${bad.join(", ")}` : ""}`,
  );
  console.log(
    `  newest event ${r.newest.id}: matched_users ${r.newest.matched_users ?? "–"}, alerts ${r.newest.alerts ?? "–"}; ` +
      `service exited ${r.exitCode} on SIGTERM`,
  );
  if (r.snapshot) console.log(`  heap snapshot (end of the load): ${r.snapshot}`);
  if (!r.hwmReset) console.log("  (VmHWM could not be reset: phase peaks are the largest 100 ms samples)");
}

const underLoad = (r: Result) =>
  Math.max(...r.phases.filter((p) => p.name.startsWith("ingest load") || p.name === "fan-out catch-up").map((p) => p.peak));

function summary(results: Result[]) {
  const head = ["start-up peak", "idle RSS", "users peak", "load peak", "idle-after RSS"];
  console.log(`\n  ${pad("MB", 10)}${head.map((h) => h.padStart(16)).join("")}`);
  for (const r of results) {
    const at = (prefix: string) => r.phases.find((p) => p.name.startsWith(prefix)) ?? { rss: Number.NaN, peak: Number.NaN };
    const cells = [
      at("start-up").peak,
      at("idle after ready").rss,
      at(`${fmt(USERS)} users`).peak,
      underLoad(r),
      at("idle after,").rss,
    ];
    console.log(`  ${pad(r.db, 10)}${cells.map((c) => num(c, 16)).join("")}`);
  }
  console.log("  (load peak: the ingest load and the fan-out's catch-up)");
  for (const r of results) {
    const peak = underLoad(r);
    console.log(
      `${r.db}: peak RSS under load ${fmt(peak)} MB (ingest + catch-up) vs goal < ${GOAL_MB} MB: ` +
        `${peak < GOAL_MB ? "met" : `not met (${fmt(peak - GOAL_MB)} MB over)`}` +
        `${r.snapshot ? " — includes the heap snapshot's own memory" : ""}`,
    );
  }
}

/** Child processes this run started and has not yet seen exit: stopped on any way out. */
const running = new Set<ChildProcess>();
/** Temporary directories (DATA_DIR, the service's log) not yet removed. */
const temporary = new Set<string>();

async function main() {
  execFileSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: "inherit" });
  let client: ChildProcess | undefined;
  const loadClient = () => {
    if (!client) {
      client = fork(new URL("./lib/load-client.ts", import.meta.url).pathname, [], { stdio: "inherit" });
      running.add(client);
    }
    return client;
  };
  const results: Result[] = [];
  try {
    for (const db of DBS) {
      const r = await runOne(db, loadClient);
      print(r);
      results.push(r);
    }
  } finally {
    if (client && client.exitCode === null && client.signalCode === null) {
      client.send("exit");
      await Promise.race([exited(client), sleep(5_000)]);
      if (client.exitCode === null && client.signalCode === null) client.kill("SIGKILL");
      await exited(client);
    }
    if (client) running.delete(client);
  }
  summary(results);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    for (const c of running) c.kill("SIGTERM");
    Promise.all([...running].map(exited)).finally(() => {
      for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  });
}

main().catch(async (err) => {
  console.error(err);
  for (const c of running) c.kill("SIGKILL");
  await Promise.all([...running].map(exited));
  process.exit(1);
});
