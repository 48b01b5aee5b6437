/**
 * Opens fresh pools whose statement timeout (1 ms) cancels postgres.js's own array-types query,
 * the first statement of every new connection. That query's failure must reach the caller's query
 * (57014), never escape as an unhandled rejection, which would end this process. Prints how many
 * queries failed that way. Configured by environment (a test entry point).
 */
import { sql } from "drizzle-orm";
import { openDatabase } from "../../src/db/client";
import { findErrorProp } from "../../src/lib/errors";

let cancelled = 0;
for (let i = 0; i < 20; i++) {
  const database = await openDatabase({ url: process.env.DATABASE_URL, migrate: false, max: 1, statementTimeoutMs: 1 });
  try {
    await database.db.execute(sql`select 1`);
  } catch (err) {
    if (findErrorProp(err, "code") !== "57014") throw err;
    cancelled++;
  }
  await database.close();
}
// let any stray rejection surface before exiting
await new Promise((r) => setTimeout(r, 200));
process.stdout.write(`${cancelled}\n`);
