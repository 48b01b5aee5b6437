import { inArray } from "drizzle-orm";
import { suppressions } from "../db/schema";
import type { Db } from "../db/types";

/**
 * The suppression list's entries for a batch's addresses (lower-cased), address → reason, in one
 * query; none asked, no query. Checked at send time, so a bounce recorded after queueing still counts.
 */
export async function suppressedAddresses(db: Db, addresses: string[]): Promise<Map<string, string>> {
  const found = addresses.length ? await db.select().from(suppressions).where(inArray(suppressions.email, addresses)) : [];
  return new Map(found.map((s) => [s.email, s.reason]));
}
