import type { SQL } from "drizzle-orm";
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
