import postgres from "postgres";
import { openDatabase } from "../src/db/client";

/**
 * On PostgreSQL (TEST_DATABASE_URL) the schema is rebuilt once from the committed migrations,
 * so every run starts clean; test files then share it and keep to their own rows.
 * On PGlite each test file migrates its own in-memory database.
 */
export default async function setup() {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql.unsafe("drop schema if exists public cascade; drop schema if exists drizzle cascade; create schema public;");
  await sql.end();
  const database = await openDatabase({ url, max: 1 });
  await database.close();
}
