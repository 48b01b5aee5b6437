import { openDatabase } from "../../src/db/client";
import type { Database } from "../../src/db/types";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const onPostgres = Boolean(TEST_DATABASE_URL);

/** PostgreSQL when TEST_DATABASE_URL is set (migrated by global-setup), else a fresh in-memory PGlite. */
export async function openTestDatabase(opts: { max?: number } = {}): Promise<Database> {
  if (TEST_DATABASE_URL) return openDatabase({ url: TEST_DATABASE_URL, migrate: false, max: opts.max ?? 5 });
  return openDatabase({});
}
