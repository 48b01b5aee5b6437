import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

/*
 * `npm start` for real: the bundle `npm run build` makes (what `npm start` runs) in its own
 * process, on embedded PGlite in a fresh DATA_DIR, listening on 127.0.0.1 only for the health
 * check. What it prints and logs is read whole, from start to shutdown.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENV_ADMIN = "adm_given_by_the_operator_0123456789";
const ENV_KEY = "cd".repeat(32);

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

let child: ChildProcess | undefined;
let dataDir: string | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  child = undefined;
  dataDir = undefined;
});

/** Starts the service, waits for its banner and a healthy answer, stops it; all it wrote. */
async function startAndStop(secrets: Record<string, string>): Promise<{ output: string; dataDir: string }> {
  dataDir = mkdtempSync(join(tmpdir(), "cw-start-"));
  const port = await freePort();
  // Only what the service needs: nothing from this test run's environment (no DATABASE_URL…).
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? tmpdir(),
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: "debug",
    ...secrets,
  };
  execFileSync("npm", ["run", "-s", "build"], { cwd: ROOT, env: { PATH: process.env.PATH ?? "" } });
  const proc = spawn(process.execPath, ["--enable-source-maps", "dist/src/index.js"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = proc;
  let output = "";
  proc.stdout?.on("data", (b: Buffer) => {
    output += b.toString();
  });
  proc.stderr?.on("data", (b: Buffer) => {
    output += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 200_000;
  while (!/email {9}/.test(output)) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`the service did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  expect(health.status).toBe(200);
  // the bundle finds what it reads beside it: the migrations (ready) and the docs' script
  expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  expect((await fetch(`http://127.0.0.1:${port}/docs/scalar.js`)).status).toBe(200);
  proc.kill("SIGTERM");
  expect(await exited).toBe(0);
  return { output, dataDir };
}

// One start (a cold start takes long on a busy machine): ADMIN_TOKEN and SECRET_KEY given, INGEST_SECRET
// generated. The unit tests in test/unit/secrets-banner.test.ts cover every other combination.
describe("npm start's banner", () => {
  it("prints the secret it generated and never prints or logs the ones given in the environment", async () => {
    const { output, dataDir: dir } = await startAndStop({ ADMIN_TOKEN: ENV_ADMIN, SECRET_KEY: ENV_KEY });
    expect(output).toContain("clausewatch listening on");
    // PUBLIC_URL defaults to http://localhost:PORT: plain http on this machine is not warned about
    expect(output).not.toContain("RFC 8058");
    for (const secret of [ENV_ADMIN, ENV_KEY]) expect(output).not.toContain(secret);
    expect(output).toContain("ADMIN_TOKEN   from the environment (not shown)");

    const stored = JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8")) as Record<string, string>;
    expect(Object.keys(stored)).toEqual(["INGEST_SECRET"]);
    expect(output).toContain(`INGEST_SECRET ${stored.INGEST_SECRET}`);
    expect(output).toContain("generated now: INGEST_SECRET");
  }, 240_000);
});
