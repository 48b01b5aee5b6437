import { execFile } from "node:child_process";
import { chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
/** initdb and the server refuse to run as root; the tests do, so they act as this OS user. */
const PG_USER = "postgres";

/**
 * A throwaway PostgreSQL cluster of its own (initdb in a temp dir, a free loopback port), for the
 * fault tests: they crash, stop and restart it, which they must never do to the machine's shared
 * server on 5432.
 */
export interface Cluster {
  readonly port: number;
  readonly dir: string;
  /** a URL of this cluster (database `postgres` unless named) */
  url(database?: string): string;
  start(): Promise<void>;
  /** `pg_ctl stop`; `immediate` is a crash (no checkpoint, recovery on the next start) */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** `pg_ctl restart -m <mode>`, waiting until the server accepts connections again */
  restart(mode?: "fast" | "immediate"): Promise<void>;
  /** stops the server (if up) and deletes its directory */
  destroy(): Promise<void>;
}

async function asPostgres(cwd: string, cmd: string, args: string[]) {
  try {
    return await run("runuser", ["-u", PG_USER, "--", join(BIN, cmd), ...args], { cwd, timeout: 120_000 });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function ids(user: string): Promise<{ uid: number; gid: number }> {
  const [u, g] = await Promise.all([run("id", ["-u", user]), run("id", ["-g", user])]);
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** Creates (initdb) and starts a cluster; `destroy()` it in afterAll. */
export async function createCluster(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "clausewatch-pg-"));
  const { uid, gid } = await ids(PG_USER);
  chownSync(dir, uid, gid);
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  await asPostgres(dir, "initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  const port = await freePort();
  // Loopback only, its socket in its own directory; fsync off: a crash of the server process
  // alone (what these tests do) loses nothing the OS has been handed, and restarts are faster.
  writeFileSync(
    join(data, "postgresql.auto.conf"),
    [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      "fsync = off",
      "full_page_writes = off",
      "max_connections = 100",
      "",
    ].join("\n"),
  );
  chownSync(join(data, "postgresql.auto.conf"), uid, gid);

  let up = false;
  const ctl = (args: string[]) => asPostgres(dir, "pg_ctl", ["-D", data, "-l", log, "-w", "-t", "60", ...args]);
  const cluster: Cluster = {
    port,
    dir,
    url: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await ctl(["start"]);
      up = true;
    },
    async stop(mode = "fast") {
      await ctl(["stop", "-m", mode]);
      up = false;
    },
    async restart(mode = "immediate") {
      await ctl(["restart", "-m", mode]);
      up = true;
    },
    async destroy() {
      if (up) await ctl(["stop", "-m", "immediate"]).catch((err) => console.warn(`cluster stop failed: ${err}`));
      up = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
