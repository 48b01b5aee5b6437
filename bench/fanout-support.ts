import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { openDatabase } from "../src/db/client";
import { type Database, rows } from "../src/db/types";

export const DEFAULT_BENCH_URL = "postgres://postgres@127.0.0.1:5432/clausewatch_bench";

export const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * In-memory PGlite, or the bench PostgreSQL database with its schema dropped and rebuilt from
 * the committed migrations (the database is created when missing). One connection, so that the
 * server-side CPU of everything the bench does can be read from that one backend.
 */
export async function openBenchDatabase(kind: "pglite" | "postgres", url: string): Promise<Database> {
  if (kind === "pglite") return openDatabase({});
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = postgres(url, { database: "postgres", max: 1, onnotice: () => {} });
  const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
  if (!exists) await admin.unsafe(`create database "${name.replace(/"/g, '""')}"`);
  await admin.end();
  const conn = postgres(url, { max: 1, onnotice: () => {} });
  await conn.unsafe("drop schema if exists public cascade; drop schema if exists drizzle cascade; create schema public");
  await conn.end();
  return openDatabase({ url, max: 1 });
}

/**
 * CPU time (ms) used so far by whatever runs the SQL: the PostgreSQL backend, read from
 * /proc when the server is on this machine, or this process for PGlite (it runs in-process).
 * Other load on a shared machine moves wall time much more than it moves CPU time.
 * Answers null when it cannot be read (a remote server).
 */
export async function cpuProbe(database: Database): Promise<() => number | null> {
  if (database.kind === "pglite") {
    return () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
  }
  const [{ pid }] = await rows<{ pid: number }>(database.db, sql`select pg_backend_pid() as pid`);
  const read = () => {
    try {
      // fields after "(comm) ": state is [0], utime [11], stime [12], in clock ticks (100 Hz on Linux)
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      return (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      return null;
    }
  };
  return read;
}
