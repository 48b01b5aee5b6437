import { openDatabase } from "../src/db/client";
import { admin, dropRunDatabases, templateName, withDatabase } from "./helpers/pg-databases";

/**
 * On PostgreSQL (TEST_DATABASE_URL names the server and a base name) the committed migrations are
 * applied once to a template database; each test file then copies it (test/helpers/db.ts), and
 * every copy is dropped at the end. On PGlite each test file migrates its own in-memory database.
 */
export default async function setup() {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) return;
  await dropRunDatabases(base);
  await admin(base, (sql) => sql.unsafe(`create database "${templateName(base)}"`));
  const template = await openDatabase({ url: withDatabase(base, templateName(base)), max: 1 });
  await template.close();
  return async () => {
    await dropRunDatabases(base);
  };
}
