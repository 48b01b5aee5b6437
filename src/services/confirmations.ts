import {
  confirmationSendsSince,
  isOptedOut,
  lockConfirmationAddress,
  optOutOfConfirmations,
  recordConfirmationSend,
} from "../db/queries/confirmations";
import type { Db } from "../db/types";
import { ApiError } from "../lib/errors";

/**
 * Confirmation emails (added channel addresses and sign-ups alike): at most
 * CONFIRMATIONS_PER_DAY to one address in 24 hours, counted across every account, and none
 * again once the address opted out.
 */
export { optOutOfConfirmations };

/** Confirmation emails one address may be sent in 24 hours, counted across every account. */
const CONFIRMATIONS_PER_DAY = 3;
const DAY_MS = 86_400_000;

export type ConfirmationVerdict = "send" | "opted_out";

/**
 * Reserves one confirmation email to `address` inside the caller's transaction: "opted_out" when
 * the address used a confirmation email's unsubscribe link (it gets none again), else records the
 * send, or throws 429 `rate_limited` (with Retry-After) when three went there in the last 24 hours.
 * A transaction-scoped advisory lock on the address makes the count exact when accounts race.
 */
export async function reserveConfirmation(tx: Db, address: string, now: Date): Promise<ConfirmationVerdict> {
  await lockConfirmationAddress(tx, address);
  if (await isOptedOut(tx, address)) return "opted_out";
  const since = new Date(now.getTime() - DAY_MS);
  const { count, oldest } = await confirmationSendsSince(tx, address, since);
  if (count >= CONFIRMATIONS_PER_DAY) {
    const retryS = oldest ? Math.max(1, Math.ceil((oldest.getTime() + DAY_MS - now.getTime()) / 1000)) : 3600;
    throw new ApiError(
      "rate_limited",
      `address: ${CONFIRMATIONS_PER_DAY} confirmation emails went to this address in the last 24 hours; try again later`,
      { "Retry-After": String(retryS) },
    );
  }
  // what is older than the window counts for nothing: keep the address's rows few
  await recordConfirmationSend(tx, address, now, since);
  return "send";
}
