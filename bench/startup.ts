/**
 * Start-up benchmark: time from spawning the service to its first `200` from `/readyz`, for the
 * bundle `npm start` runs (`npm run build` → dist/src/index.js) against the TypeScript entry run
 * through tsx (what `npm start` ran before), alternating in one run on the same database.
 *
 *   npm run bench:startup                         # PostgreSQL (BENCH_DATABASE_URL or …/clausewatch_startup)
 *   npm run bench:startup -- --db pglite          # embedded PGlite in a kept DATA_DIR
 *   npm run bench:startup -- --reps 5
 *
 * Warm start: the database exists and is migrated before the first timed start (one untimed
 * start does it), as after a deploy or a restart.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { freePort } from "./lib/net";
import { fmt } from "./lib/stats";

const { values: args } = parseArgs({
  options: {
    db: { type: "string", default: "postgres" },
    reps: { type: "string", default: "5" },
  },
});
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const REPS = Math.max(1, Number(args.reps));
const URL_ = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/clausewatch_startup";

/** Spawns the service, polls /readyz every 10 ms; answers the milliseconds to the first 200. */
async function timeToReady(command: string[], env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const proc = spawn(process.execPath, command, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), PORT: String(port), LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  proc.stderr?.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  try {
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`the service exited: ${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    proc.kill("SIGTERM");
    await exited;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const shared = mkdtempSync(join(tmpdir(), "cw-startup-"));
  const env: Record<string, string> = { DATA_DIR: shared };
  if (args.db === "postgres") {
    const name = new URL(URL_).pathname.slice(1);
    const admin = postgres(URL_.replace(/\/[^/]*$/, "/postgres"), { onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name}`);
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    env.DATABASE_URL = URL_;
  } else if (args.db !== "pglite") {
    throw new Error("--db is postgres or pglite");
  }
  execFileSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: "inherit" });
  const bundle = ["--enable-source-maps", "dist/src/index.js"];
  const tsx = ["--import", "tsx", "src/index.ts"];
  await timeToReady(bundle, env); // migrates, generates the secrets: every timed start is warm
  console.log(`clausewatch warm start to /readyz — ${args.db}, ${REPS} alternating starts each`);
  const b: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < REPS; i++) {
    b.push(await timeToReady(bundle, env));
    t.push(await timeToReady(tsx, env));
    console.log(`  rep ${i + 1}  bundle ${fmt(b[i]).padStart(6)} ms   tsx ${fmt(t[i]).padStart(6)} ms`);
  }
  const mb = median(b);
  const mt = median(t);
  console.log(`\nbundle ${fmt(mb)} ms, tsx ${fmt(mt)} ms (medians); ratio bundle ÷ tsx ${(mb / mt).toFixed(2)}   [${args.db}]`);
  rmSync(shared, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
