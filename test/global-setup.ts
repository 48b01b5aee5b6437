import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../src/db/client";
import { admin, dropRunDatabases, templateName, withDatabase } from "./helpers/pg-databases";

declare module "vitest" {
  export interface ProvidedContext {
    /** on PGlite: a file holding the dump of a migrated data directory (test/helpers/db.ts) */
    pgliteDumpFile: string;
  }
}

/**
 * On PostgreSQL (TEST_DATABASE_URL names the server and a base name) the committed migrations are
 * applied once to a template database; each test file then copies it (test/helpers/db.ts), and
 * every copy is dropped at the end. On PGlite the same idea: one in-memory database is migrated
 * here and dumped to a file; each test file starts its own in-memory database from that dump.
 */
export default async function setup(project: TestProject) {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) return pgliteTemplate(project);
  await dropRunDatabases(base);
  await admin(base, (sql) => sql.unsafe(`create database "${templateName(base)}"`));
  const template = await openDatabase({ url: withDatabase(base, templateName(base)), max: 1 });
  await template.close();
  return async () => {
    await dropRunDatabases(base);
  };
}

async function pgliteTemplate(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "cw-test-pglite-"));
  const file = join(dir, "migrated.tar");
  const template = await openDatabase({});
  const dump = await (template.client as PGlite).dumpDataDir("none");
  await template.close();
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide("pgliteDumpFile", file);
  return () => rmSync(dir, { recursive: true, force: true });
}
