/**
 * The Worker's Node-side steps (the Worker never migrates itself):
 *
 *   npm run dev:worker              migrate DATABASE_URL, write the dev vars, `wrangler dev` on PORT
 *   npm run deploy [-- wrangler args]  migrate DATABASE_URL, then `wrangler deploy`
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { openDatabase } from "../src/db/client";
import { type Env, parseEnv } from "../src/env";
import { loadSecrets } from "../src/secrets";
import { copyWorkerAssets } from "./worker-assets";

const USAGE = `usage: npm run dev:worker
       npm run deploy [-- <wrangler deploy options>]

dev:worker  migrates DATABASE_URL from Node, writes .wrangler/dev.vars from the environment (the same
            variables as \`npm start\`, secrets generated into DATA_DIR as \`npm start\` does),
            then runs \`wrangler dev\` on 127.0.0.1:PORT with the Hyperdrive binding's local
            connection string set to DATABASE_URL, and fires the cron trigger every minute
            (wrangler dev does not run crons by itself).
deploy      migrates DATABASE_URL (the database Hyperdrive points at), then \`wrangler deploy\`.

environment:
  DATABASE_URL   postgres://USER:PASSWORD@HOST:PORT/DB (required: a Worker has no PGlite)
  PORT           dev:worker's port (default 8787)
  PUBLIC_URL     default http://localhost:$PORT
  WORKER_DEV_VARS  where dev:worker writes the Worker's vars (default .wrangler/dev.vars); a run
                 of its own (npm run test:blackbox) keeps its secrets out of the shared file
  …and every other variable \`npm start\` reads (README, "Configuration").
`;

const DEV_VARS = process.env.WORKER_DEV_VARS || ".wrangler/dev.vars";

/** Variables a Worker does not take: bindings or Node-only machinery replace them. */
const NODE_ONLY = new Set(["DATABASE_URL", "PORT", "DATA_DIR", "REDIS_URL", "TRUST_PROXY", "RENDER_THREADS"]);

async function migrate(url: string): Promise<void> {
  const database = await openDatabase({ url, max: 1 });
  await database.close();
  console.log("clausewatch: migrations applied");
}

/** Hyperdrive's local connection string must carry a password; trust-auth servers ignore it. */
function withPassword(url: string): string {
  const u = new URL(url);
  if (!u.password) u.password = "postgres";
  return u.toString();
}

function devVars(env: Env, raw: NodeJS.ProcessEnv): string {
  const secrets = loadSecrets(env.DATA_DIR, env);
  const vars: Record<string, string> = {};
  for (const name of Object.keys(env)) {
    const value = raw[name];
    if (!NODE_ONLY.has(name) && value) vars[name] = value;
  }
  vars.ADMIN_TOKEN = secrets.adminToken;
  vars.INGEST_SECRET = secrets.ingestSecret;
  vars.SECRET_KEY = secrets.secretKey;
  vars.PUBLIC_URL = env.PUBLIC_URL ?? `http://localhost:${env.PORT}`;
  return `${Object.entries(vars)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join("\n")}\n`;
}

function wrangler(args: string[], extraEnv: Record<string, string>): Promise<number> {
  const child = spawn("npx", ["wrangler", ...args], {
    stdio: "inherit",
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      // wrangler keeps its state under ~/.config otherwise
      XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? `${process.cwd()}/.wrangler/config`,
      ...extraEnv,
    },
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "-h" || command === "--help" || rest.includes("-h") || rest.includes("--help")) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command !== "dev" && command !== "deploy") {
    process.stderr.write(`unknown command ${command ?? "(none)"}\n\n${USAGE}`);
    return 2;
  }
  const parsed = parseEnv(process.env);
  if (!parsed.ok) {
    console.error("clausewatch: invalid configuration");
    for (const p of parsed.problems) console.error(`  ${p}`);
    return 2;
  }
  const env = parsed.env;
  if (!env.DATABASE_URL) {
    console.error("clausewatch: DATABASE_URL is required: the Worker reaches PostgreSQL through Hyperdrive, it has no PGlite");
    return 2;
  }
  await migrate(env.DATABASE_URL);
  copyWorkerAssets();
  if (command === "deploy") return wrangler(["deploy", ...rest], {});

  // Not ./.dev.vars: the Workers-runtime tests would pick that file up as well.
  mkdirSync(dirname(DEV_VARS), { recursive: true });
  writeFileSync(DEV_VARS, devVars(env, process.env), { mode: 0o600 });
  const base = `http://127.0.0.1:${env.PORT}`;
  // wrangler dev runs crons only when asked: ask every minute, as the deployed trigger would
  const cron = setInterval(() => {
    fetch(`${base}/__scheduled?cron=${encodeURIComponent("* * * * *")}`).catch(() => {});
  }, 60_000);
  const code = await wrangler(
    ["dev", "--ip", "127.0.0.1", "--port", String(env.PORT), "--test-scheduled", "--env-file", DEV_VARS, ...rest],
    {
      CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: withPassword(env.DATABASE_URL),
    },
  );
  clearInterval(cron);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error("clausewatch:", err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
