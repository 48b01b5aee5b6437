import { readFileSync } from "node:fs";
import { inject } from "vitest";
import { openDatabase } from "../../src/db/client";
import type { Database } from "../../src/db/types";
import { createFromTemplate, templateName, withDatabase } from "./pg-databases";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const onPostgres = Boolean(TEST_DATABASE_URL);

let fileUrl: Promise<string> | undefined;

/**
 * This test file's own PostgreSQL database (a copy of the migrated template), created on first
 * use; every connection the file opens goes to the same one.
 */
export function fileDatabaseUrl(): Promise<string> {
  if (!TEST_DATABASE_URL) throw new Error("fileDatabaseUrl: TEST_DATABASE_URL is not set");
  const base = TEST_DATABASE_URL;
  fileUrl ??= (async () => {
    const name = `${templateName(base)}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await createFromTemplate(base, name);
    return withDatabase(base, name);
  })();
  return fileUrl;
}

let pgliteDump: Blob | undefined;

/**
 * PostgreSQL when TEST_DATABASE_URL is set (this file's own copy), else a fresh in-memory PGlite
 * started from the migrated dump test/global-setup.ts wrote (read once per test process).
 */
export async function openTestDatabase(opts: { max?: number } = {}): Promise<Database> {
  if (TEST_DATABASE_URL) return openDatabase({ url: await fileDatabaseUrl(), migrate: false, max: opts.max ?? 5 });
  // suites without that global setup (none today) migrate their own
  const file = inject("pgliteDumpFile");
  if (!file) return openDatabase({});
  pgliteDump ??= new Blob([readFileSync(file)]);
  return openDatabase({ pgliteDump });
}
