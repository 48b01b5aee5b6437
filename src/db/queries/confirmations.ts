import { and, eq, sql } from "drizzle-orm";
import { ApiError } from "../../lib/errors";
import { confirmationOptouts, confirmationSends } from "../schema";
import { type Db, rows, textArray } from "../types";

/** Confirmation emails one address may be sent in 24 hours, counted across every account. */
export const CONFIRMATIONS_PER_DAY = 3;
const DAY_MS = 86_400_000;

export type ConfirmationVerdict = "send" | "opted_out";

/**
 * Reserves one confirmation email to `address` inside the caller's transaction: "opted_out" when
 * the address used a confirmation email's unsubscribe link (it gets none again), else records the
 * send, or throws 429 `rate_limited` (with Retry-After) when three went there in the last 24 hours.
 * A transaction-scoped advisory lock on the address makes the count exact when accounts race.
 */
export async function reserveConfirmation(tx: Db, address: string, now: Date): Promise<ConfirmationVerdict> {
  const addr = address.toLowerCase();
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`confirm:${addr}`}))`);
  const [optout] = await tx.select().from(confirmationOptouts).where(eq(confirmationOptouts.address, addr)).limit(1);
  if (optout) return "opted_out";
  const since = new Date(now.getTime() - DAY_MS);
  const [{ n, oldest }] = await rows<{ n: number | string; oldest: string | Date | null }>(
    tx,
    sql`select count(*)::int as n, min(${confirmationSends.sentAt}) as oldest from ${confirmationSends}
        where ${confirmationSends.address} = ${addr} and ${confirmationSends.sentAt} > ${since.toISOString()}::timestamptz`,
  );
  if (Number(n) >= CONFIRMATIONS_PER_DAY) {
    const retryS = oldest ? Math.max(1, Math.ceil((new Date(oldest).getTime() + DAY_MS - now.getTime()) / 1000)) : 3600;
    throw new ApiError(
      "rate_limited",
      `address: ${CONFIRMATIONS_PER_DAY} confirmation emails went to this address in the last 24 hours; try again later`,
      { "Retry-After": String(retryS) },
    );
  }
  await tx.insert(confirmationSends).values({ address: addr, sentAt: now });
  // what is older than the window counts for nothing: keep the address's rows few
  await tx
    .delete(confirmationSends)
    .where(and(eq(confirmationSends.address, addr), sql`${confirmationSends.sentAt} <= ${since.toISOString()}::timestamptz`));
  return "send";
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
