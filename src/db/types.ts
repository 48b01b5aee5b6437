import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "./schema";

export type Schema = typeof schema;
/** Either driver's database, or a transaction on it (a transaction is a PgDatabase too). */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: "pglite" | "postgres";
  /** round trip to the server, for /readyz */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Cross-process wake-ups (PostgreSQL LISTEN/NOTIFY). PGlite is one process's database, so
   * there it is a no-op and the in-process signal is enough.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
}

/**
 * Runs raw SQL and returns its rows on both drivers (PGlite answers `{rows}`, postgres-js an array).
 * Cast counts to int in the SQL: postgres-js returns bigint as a string.
 */
export async function rows<T>(db: Db, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/**
 * A JS string array as a SQL `text[]`, sent as one JSON parameter: postgres-js infers an array
 * parameter's type from its elements and fails on empty or all-null arrays; JSON travels the same
 * way on both drivers.
 */
export const textArray = (xs: readonly string[]): SQL =>
  sql`array(select jsonb_array_elements_text(${JSON.stringify(xs)}::jsonb))`;

/**
 * Rows for a set-based statement (`update … from ${jsonRecords(rows, "v(id text, n int)")}`),
 * as one JSON parameter unpacked by `jsonb_to_recordset`.
 */
export const jsonRecords = (records: readonly object[], shape: string): SQL =>
  sql`jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as ${sql.raw(shape)}`;
