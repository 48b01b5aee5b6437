/**
 * One replica's start-up for the start-up race test: loads everything, says "loaded", and opens
 * (and so migrates) the database only when the parent says "go", so that several of them migrate
 * at the same instant. Configured by environment (a test entry point).
 */
import { openDatabase } from "../../src/db/client";

process.once("message", async () => {
  try {
    const database = await openDatabase({ url: process.env.DATABASE_URL, max: 2 });
    await database.ping();
    await database.close();
    process.send?.("up", () => process.exit(0));
  } catch (err) {
    process.stderr.write(`start-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
});
process.send?.("loaded");
