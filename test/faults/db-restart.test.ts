import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cluster, createCluster } from "./cluster";
import type { LoadStatus } from "./load-child";

const CHILD = fileURLToPath(new URL("./load-child.ts", import.meta.url));
const SERVICE = fileURLToPath(new URL("../../src/index.ts", import.meta.url));
const TYPES_CHILD = fileURLToPath(new URL("./types-child.ts", import.meta.url));
const RESTARTS = Number(process.env.FAULT_RESTARTS ?? 20);

const until = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return cond();
};

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** The real service (src/index.ts: HTTP, dispatcher, LISTEN, scheduler) as a child process. */
function startService(databaseUrl: string, port: number, dataDir: string) {
  const proc = spawn(process.execPath, ["--import", "tsx", SERVICE], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: "error" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const state = { exited: null as string | null, stderr: "" };
  proc.stderr?.on("data", (d) => {
    state.stderr = (state.stderr + String(d)).slice(-4000);
  });
  proc.on("exit", (code, signal) => {
    state.exited = `code ${code} signal ${signal}`;
  });
  return { proc, state };
}

describe("PostgreSQL crash-restarts under load", () => {
  let cluster: Cluster;
  let child: ChildProcess;
  let status: LoadStatus = { ready: false, ok: 0, unavailable: 0, other: 0, otherSamples: [], notifies: 0 };
  let exited: string | null = null;
  let stderr = "";
  let service: ReturnType<typeof startService>;
  let serviceUrl: string;
  let dataDir: string;

  beforeAll(async () => {
    cluster = await createCluster();
    child = spawn(process.execPath, ["--import", "tsx", CHILD], {
      env: { ...process.env, DATABASE_URL: cluster.url() },
      stdio: ["ignore", "inherit", "pipe", "ipc"],
    });
    child.stderr?.on("data", (d) => {
      stderr = (stderr + String(d)).slice(-4000);
    });
    child.on("message", (m) => {
      status = m as LoadStatus;
    });
    child.on("exit", (code, signal) => {
      exited = `code ${code} signal ${signal}`;
    });
    expect(await until(() => status.ready || exited !== null, 60_000)).toBe(true);
    expect(exited, stderr).toBeNull();
    // started after the child migrated: the service's own start-up then finds nothing to do
    dataDir = mkdtempSync(join(tmpdir(), "clausewatch-svc-"));
    const port = await freePort();
    serviceUrl = `http://127.0.0.1:${port}`;
    service = startService(cluster.url(), port, dataDir);
    expect(await readyWithin(60_000), service.state.stderr).toBe(true);
  });

  afterAll(async () => {
    if (child && exited === null) {
      child.kill("SIGTERM");
      await until(() => exited !== null, 10_000);
    }
    if (service && service.state.exited === null) {
      service.proc.kill("SIGTERM");
      await until(() => service.state.exited !== null, 15_000);
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await cluster?.destroy();
  });

  /** Polls the service's /readyz until it answers 200 (false past `ms` or if the service exited). */
  async function readyWithin(ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (Date.now() < end && service.state.exited === null) {
      const status = await fetch(`${serviceUrl}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  /** NOTIFYs from a connection of its own until the child's LISTEN hears one. */
  async function notifyReaches(ms: number): Promise<boolean> {
    const before = status.notifies;
    const sql = postgres(cluster.url(), { max: 1, onnotice: () => {} });
    try {
      const end = Date.now() + ms;
      while (Date.now() < end && status.notifies === before) {
        await sql`notify fault_test`.catch(() => {});
        await until(() => status.notifies > before, 200);
      }
      return status.notifies > before;
    } finally {
      await sql.end({ timeout: 1 });
    }
  }

  it(`survives ${RESTARTS} immediate restarts: queries fail as unavailable, then succeed, LISTEN hears again, the service stays up`, async () => {
    expect(await notifyReaches(10_000)).toBe(true);
    const perCycle: number[] = [];
    for (let i = 1; i <= RESTARTS; i++) {
      const warm = status.ok;
      expect(await until(() => status.ok >= warm + 20, 20_000), `cycle ${i}: load running`).toBe(true);
      const atCrash = { ...status };
      await cluster.restart("immediate");
      const back = status.ok;
      expect(await until(() => status.ok >= back + 20 || exited !== null, 30_000), `cycle ${i}: queries succeed again`).toBe(
        true,
      );
      expect(exited, `cycle ${i}: the process exited\n${stderr}`).toBeNull();
      expect(status.unavailable, `cycle ${i}: the outage was seen as unavailable`).toBeGreaterThan(atCrash.unavailable);
      expect(await notifyReaches(15_000), `cycle ${i}: LISTEN re-subscribed`).toBe(true);
      expect(await readyWithin(15_000), `cycle ${i}: the service is ready again\n${service.state.stderr}`).toBe(true);
      expect(service.state.exited, service.state.stderr).toBeNull();
      perCycle.push(status.unavailable - atCrash.unavailable);
    }
    expect(exited, stderr).toBeNull();
    expect(status.other, status.otherSamples.join("\n")).toBe(0);
    console.info(
      `${RESTARTS} restarts: ${status.ok} queries ok, ${status.unavailable} unavailable (per restart ${perCycle.join(", ")})`,
    );
  });

  it("a failing array-types query (postgres.js's first statement on a connection) reaches the caller, not the process", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", TYPES_CHILD], {
      env: { ...process.env, DATABASE_URL: cluster.url() },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect({ status: r.status, cancelled: r.stdout.trim() }, r.stderr).toEqual({ status: 0, cancelled: "20" });
  });
});
