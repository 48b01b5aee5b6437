import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SERVICE = fileURLToPath(new URL("../../src/index.ts", import.meta.url));

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Secrets every replica shares (as a deployment's would). */
export function sharedSecrets() {
  return {
    ADMIN_TOKEN: `adm_${randomBytes(18).toString("base64url")}`,
    INGEST_SECRET: `whsec_${randomBytes(32).toString("base64")}`,
    SECRET_KEY: randomBytes(32).toString("hex"),
  };
}

/** One service process (src/index.ts: HTTP, dispatcher, minute jobs), restartable on the same port. */
export interface Replica {
  readonly index: number;
  readonly port: number;
  readonly url: string;
  proc: ChildProcess | null;
  /** "code X signal Y" once the current process has exited */
  exited: string | null;
  /** the tail of what it wrote to stderr and stdout */
  output: string;
  start(): Promise<void>;
  /** sends the signal; resolves when the process has exited (or after `ms`) */
  kill(signal: NodeJS.Signals, ms?: number): Promise<string | null>;
}

const live = new Set<ChildProcess>();
// Whatever happens to the test (a failed assertion, a crash of the runner), no service outlives it.
process.once("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

async function ready(url: string, r: Replica, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end && r.exited === null) {
    const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ok) return true;
    await sleep(100);
  }
  return false;
}

export function createReplica(
  index: number,
  port: number,
  env: { databaseUrl: string; secrets: Record<string, string>; logLevel?: string },
): Replica {
  const dataDir = mkdtempSync(join(tmpdir(), `clausewatch-replica${index}-`));
  const r: Replica = {
    index,
    port,
    url: `http://127.0.0.1:${port}`,
    proc: null,
    exited: null,
    output: "",
    async start() {
      const proc = spawn(process.execPath, ["--import", "tsx", SERVICE], {
        env: {
          ...process.env,
          ...env.secrets,
          DATABASE_URL: env.databaseUrl,
          PORT: String(port),
          DATA_DIR: dataDir,
          ALLOW_PRIVATE_WEBHOOK_TARGETS: "true",
          LOG_LEVEL: env.logLevel ?? "warn",
          NODE_ENV: "production",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      r.proc = proc;
      r.exited = null;
      live.add(proc);
      const keep = (d: Buffer) => {
        r.output = (r.output + String(d)).slice(-20_000);
      };
      proc.stdout?.on("data", keep);
      proc.stderr?.on("data", keep);
      proc.on("exit", (code, signal) => {
        live.delete(proc);
        if (r.proc === proc) r.exited = `code ${code} signal ${signal}`;
      });
      if (!(await ready(r.url, r, 90_000))) throw new Error(`replica ${index} did not become ready: ${r.exited}\n${r.output}`);
    },
    async kill(signal, ms = 30_000) {
      const proc = r.proc;
      if (!proc || r.exited !== null) return r.exited;
      const gone = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
      proc.kill(signal);
      await Promise.race([gone, sleep(ms)]);
      return r.exited;
    },
  };
  const cleanup = () => rmSync(dataDir, { recursive: true, force: true });
  Object.defineProperty(r, "cleanup", { value: cleanup });
  return r;
}

/** Stops every replica (SIGKILL after 15 s) and deletes its data directory. */
export async function destroyReplicas(replicas: Replica[]): Promise<void> {
  await Promise.all(
    replicas.map(async (r) => {
      if ((await r.kill("SIGTERM", 15_000)) === null) await r.kill("SIGKILL", 5_000);
      (r as Replica & { cleanup?: () => void }).cleanup?.();
    }),
  );
}

/**
 * A TCP proxy between one replica and PostgreSQL that can go half-open: `freeze()` stops
 * forwarding bytes both ways and leaves every socket open (what a dead NAT entry or a
 * partitioned peer looks like to the client); `heal()` forwards new connections again while the
 * ones frozen stay frozen and open for good — only the client can notice and drop them;
 * `replace()` drops the frozen connections itself.
 */
export interface HalfOpenProxy {
  port: number;
  freeze(): void;
  heal(): void;
  replace(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<HalfOpenProxy> {
  let frozen = false;
  const pairs = new Set<[Socket, Socket]>();
  /** connections open when the proxy froze: after heal() they stay frozen */
  const dead = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    if (frozen) {
      // accepted and never answered: the connect attempt must time out on the client's side
      pairs.add([client, client]);
      client.on("error", () => {});
      return;
    }
    const upstream = new Socket();
    const pair: [Socket, Socket] = [client, upstream];
    const stuck = () => frozen || dead.has(pair);
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.on("data", (d) => {
      if (!stuck()) upstream.write(d);
    });
    upstream.on("data", (d) => {
      if (!stuck()) client.write(d);
    });
    upstream.connect(targetPort, "127.0.0.1");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    freeze() {
      frozen = true;
    },
    heal() {
      for (const p of pairs) dead.add(p);
      frozen = false;
    },
    replace() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
      dead.clear();
      frozen = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
