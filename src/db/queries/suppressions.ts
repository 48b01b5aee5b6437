import { suppressions } from "../schema";
import type { Db } from "../types";

/** Adds an address (lower-cased by the caller) to the suppression list; one already there keeps its first entry. */
export async function insertSuppression(
  db: Db,
  entry: { email: string; reason: string; source: string },
  now: Date,
): Promise<void> {
  await db
    .insert(suppressions)
    .values({ ...entry, createdAt: now })
    .onConflictDoNothing();
}
