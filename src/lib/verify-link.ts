import type { Keys } from "./crypto";
import { signToken } from "./tokens";

/** How long an address's confirmation link works. */
const VERIFY_LINK_DAYS = 7;

/**
 * The confirmation link of an email channel (double opt-in), signed for that channel. Derived
 * from when the notification was queued, not the clock, so every retry renders the same email.
 *
 * @example const { url } = await verifyEmailLink(keys, publicUrl, channel.id, notification.createdAt)
 */
export async function verifyEmailLink(keys: Keys, publicUrl: string, channelId: string, issuedAt: Date) {
  const e = Math.floor(issuedAt.getTime() / 1000) + VERIFY_LINK_DAYS * 86_400;
  const token = await signToken(keys, { p: "verify-email", s: channelId, e });
  return { url: `${publicUrl}/verify-email/${encodeURIComponent(token)}`, expiresAt: new Date(e * 1000).toISOString() };
}
