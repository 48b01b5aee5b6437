import { and, eq, sql } from "drizzle-orm";
import { confirmationOptouts, confirmationSends } from "../schema";
import { instant } from "../sql";
import { type Db, rows, textArray } from "../types";

/**
 * The confirmation emails an address was sent and whether it opted out of them. Addresses are
 * compared lower-cased; the per-address cap is a rule of services/confirmations.ts.
 */

/**
 * Holds a transaction-scoped advisory lock on the address, so concurrent transactions counting
 * its confirmation emails (from any account) see each other's sends.
 */
export async function lockConfirmationAddress(tx: Db, address: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`confirm:${address.toLowerCase()}`}))`);
}

/** Whether the address used a confirmation email's unsubscribe link. */
export async function isOptedOut(db: Db, address: string): Promise<boolean> {
  const [optout] = await db
    .select()
    .from(confirmationOptouts)
    .where(eq(confirmationOptouts.address, address.toLowerCase()))
    .limit(1);
  return optout !== undefined;
}

/** How many confirmation emails went to the address after `since`, and when the oldest of them went. */
export async function confirmationSendsSince(
  db: Db,
  address: string,
  since: Date,
): Promise<{ count: number; oldest: Date | null }> {
  const [{ n, oldest }] = await rows<{ n: number | string; oldest: string | Date | null }>(
    db,
    sql`select count(*)::int as n, min(${confirmationSends.sentAt}) as oldest from ${confirmationSends}
        where ${confirmationSends.address} = ${address.toLowerCase()} and ${confirmationSends.sentAt} > ${instant(since)}`,
  );
  return { count: Number(n), oldest: oldest ? new Date(oldest) : null };
}

/** Records one confirmation email to the address, and forgets its sends at or before `forgetUntil`. */
export async function recordConfirmationSend(db: Db, address: string, now: Date, forgetUntil: Date): Promise<void> {
  const addr = address.toLowerCase();
  await db.insert(confirmationSends).values({ address: addr, sentAt: now });
  await db
    .delete(confirmationSends)
    .where(and(eq(confirmationSends.address, addr), sql`${confirmationSends.sentAt} <= ${instant(forgetUntil)}`));
}

/** The address will get no further confirmation emails (its owner unsubscribed from one). */
export async function optOutOfConfirmations(db: Db, address: string, now: Date): Promise<void> {
  await db.insert(confirmationOptouts).values({ address: address.toLowerCase(), createdAt: now }).onConflictDoNothing();
}

/** Which of these addresses opted out (lower-cased). */
export async function optedOut(db: Db, addresses: string[]): Promise<Set<string>> {
  if (addresses.length === 0) return new Set();
  const found = await rows<{ address: string }>(
    db,
    sql`select address from ${confirmationOptouts} where address = any(${textArray(addresses.map((a) => a.toLowerCase()))})`,
  );
  return new Set(found.map((r) => r.address));
}
