import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../../src/db/types";
import { rows } from "../../src/db/types";

/** `select count(*)` of any query's rows, as a number on both drivers. */
export async function count(database: Database, query: SQL): Promise<number> {
  const [r] = await rows<{ n: number }>(database.db, sql`select count(*)::int as n from (${query}) as q`);
  return r.n;
}

/** Every row of a raw query, as plain objects (for asserting on what is stored, column by column). */
export function selectAll<T = Record<string, unknown>>(database: Database, query: SQL): Promise<T[]> {
  return rows<T>(database.db, query);
}
