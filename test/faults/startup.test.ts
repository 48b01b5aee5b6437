import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATION_LOCK_KEY, MIGRATIONS_FOLDER, openDatabase } from "../../src/db/client";
import { rows } from "../../src/db/types";
import { findErrorProp } from "../../src/lib/errors";
import { type Cluster, createCluster } from "./cluster";

const CHILD = fileURLToPath(new URL("./startup-child.ts", import.meta.url));
const REPLICAS = 3;
const ROUNDS = 3;

const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, "utf8")) as { entries: unknown[] };

interface Replica {
  child: ChildProcess;
  loaded: Promise<void>;
  /** exit code and what it printed */
  done: Promise<{ code: number | null; up: boolean; stderr: string }>;
}

function spawnReplica(url: string): Replica {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: ["ignore", "inherit", "pipe", "ipc"],
  });
  let stderr = "";
  let up = false;
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const loaded = new Promise<void>((resolve, reject) => {
    child.on("message", (m) => {
      if (m === "loaded") resolve();
      if (m === "up") up = true;
    });
    child.once("exit", () => reject(new Error(`replica exited before loading: ${stderr}`)));
  });
  loaded.catch(() => {});
  const done = new Promise<{ code: number | null; up: boolean; stderr: string }>((resolve) =>
    child.once("exit", (code) => resolve({ code, up, stderr })),
  );
  return { child, loaded, done };
}

describe("replicas starting together on an empty database", () => {
  let cluster: Cluster;
  let admin: postgres.Sql;

  beforeAll(async () => {
    cluster = await createCluster();
    admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await admin?.end();
    await cluster?.destroy();
  });

  it(`${REPLICAS} replicas, ${ROUNDS} rounds: all come up and each migration is applied once`, async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      const name = `startup_${round}`;
      await admin.unsafe(`create database ${name}`);
      const replicas = Array.from({ length: REPLICAS }, () => spawnReplica(cluster.url(name)));
      await Promise.all(replicas.map((r) => r.loaded));
      for (const r of replicas) r.child.send("go");
      const results = await Promise.all(replicas.map((r) => r.done));
      for (const [i, r] of results.entries()) {
        expect({ round, replica: i, code: r.code, up: r.up }, r.stderr).toEqual({ round, replica: i, code: 0, up: true });
      }
      const db = postgres(cluster.url(name), { max: 1, onnotice: () => {} });
      try {
        const [{ n, distinct }] = await db<{ n: number; distinct: number }[]>`
          select count(*)::int as n, count(distinct hash)::int as distinct from drizzle.__drizzle_migrations`;
        expect({ round, n, distinct }).toEqual({ round, n: journal.entries.length, distinct: journal.entries.length });
      } finally {
        await db.end();
      }
    }
  });

  it("migrates only under the advisory lock: a start-up waits while another session holds it", async () => {
    await admin.unsafe("create database startup_locked");
    const holder = postgres(cluster.url("startup_locked"), { max: 1, onnotice: () => {} });
    try {
      const lock = await holder.reserve();
      await lock`select pg_advisory_lock(${MIGRATION_LOCK_KEY}::bigint)`;
      let opened = false;
      const opening = openDatabase({ url: cluster.url("startup_locked"), max: 1 }).then((d) => {
        opened = true;
        return d;
      });
      await new Promise((r) => setTimeout(r, 1500));
      expect(opened).toBe(false);
      const [{ n }] = await lock<{ n: number }[]>`select count(*)::int as n from pg_tables where schemaname = 'public'`;
      expect(n).toBe(0);
      await lock`select pg_advisory_unlock(${MIGRATION_LOCK_KEY}::bigint)`;
      lock.release();
      const database = await opening;
      await database.close();
      expect(opened).toBe(true);
    } finally {
      await holder.end();
    }
  });

  it("pool sessions carry the statement, lock and idle-in-transaction timeouts; OpenOptions and the URL override them", async () => {
    const settings = async (url: string, opts: Parameters<typeof openDatabase>[0] = {}) => {
      const database = await openDatabase({ ...opts, url, max: 1 });
      try {
        const [r] = await rows<Record<string, string>>(
          database.db,
          sql`select current_setting('statement_timeout') as statement, current_setting('lock_timeout') as lock,
                current_setting('idle_in_transaction_session_timeout') as idle_tx`,
        );
        return r;
      } finally {
        await database.close();
      }
    };
    await admin.unsafe("create database startup_settings");
    const url = cluster.url("startup_settings");
    expect(await settings(url)).toEqual({ statement: "30s", lock: "10s", idle_tx: "1min" });
    expect(await settings(url, { statementTimeoutMs: 0, lockTimeoutMs: 2500 })).toEqual({
      statement: "0",
      lock: "2500ms",
      idle_tx: "1min",
    });
    expect(await settings(`${url}?statement_timeout=5000`)).toEqual({ statement: "5s", lock: "10s", idle_tx: "1min" });

    const database = await openDatabase({ url, max: 2, statementTimeoutMs: 300 });
    try {
      const err = await database.db.execute(sql`select pg_sleep(2)`).then(
        () => null,
        (e: unknown) => e,
      );
      expect(findErrorProp(err, "code")).toBe("57014"); // query_canceled: the statement timeout fired
    } finally {
      await database.close();
    }
  });
});
