import postgres from "postgres";
import { openDatabase } from "../../src/db/client";
import type { Database } from "../../src/db/types";

/** Where `--db postgres` goes unless BENCH_DATABASE_URL says otherwise; its schema is rebuilt on every run. */
export const BENCH_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/clausewatch_bench2";

export type DbKind = "pglite" | "postgres";

/** The `--db` flag every bench takes. */
export function dbKind(value: unknown): DbKind {
  if (value !== "pglite" && value !== "postgres") throw new Error("--db is pglite or postgres");
  return value;
}

/** A positive integer flag, or a clear error. */
export function intArg(name: string, value: unknown, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min} (got ${String(value)})`);
  return n;
}

/**
 * PGlite (in memory, or on disk in `pgliteDir`), or the bench PostgreSQL database (`url`, else
 * BENCH_URL; created when missing) with the schemas
 * `public`, `drizzle` and any `extraSchemas` dropped, then rebuilt from the committed migrations.
 */
export async function openBenchDatabase(
  kind: DbKind,
  opts: { max?: number; extraSchemas?: string[]; url?: string; pgliteDir?: string } = {},
): Promise<Database & { url: string | null }> {
  if (kind === "pglite") return { ...(await openDatabase(opts.pgliteDir ? { dataDir: opts.pgliteDir } : {})), url: null };
  const url = opts.url ?? BENCH_URL;
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const admin = postgres(url, { database: "postgres", max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!exists) await admin.unsafe(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
  const conn = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (const s of ["public", "drizzle", ...(opts.extraSchemas ?? [])]) {
      await conn.unsafe(`drop schema if exists "${s.replace(/"/g, '""')}" cascade`);
    }
    await conn.unsafe("create schema public");
  } finally {
    await conn.end();
  }
  return { ...(await openDatabase({ url, max: opts.max ?? 10 })), url };
}
