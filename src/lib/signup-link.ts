import type { Keys } from "./crypto";
import { UNSUBSCRIBE_LINK_DAYS } from "./links";
import { signToken } from "./tokens";

/** A sign-up confirmation link works this long. */
export const SIGNUP_LINK_HOURS = 24;

const secs = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * The links of a sign-up confirmation email: `confirm` opens the page whose button creates the
 * account (purpose `signup`, subject the `signups` row); `unsubscribe` stops every further
 * confirmation email to the address. Derived from when the sign-up was asked for, so every retry
 * of the email renders the same bytes and the link expires 24 hours after the request.
 *
 * @example const { confirmUrl } = await signupLinks(keys, publicUrl, signup.id, signup.email, signup.createdAt)
 */
export async function signupLinks(keys: Keys, publicUrl: string, signupId: string, address: string, requestedAt: Date) {
  const e = secs(requestedAt) + SIGNUP_LINK_HOURS * 3600;
  const confirm = await signToken(keys, { p: "signup", s: signupId, e });
  // names the address itself: the sign-up row is gone long before the link stops working, and
  // the address is the reader's own
  const unsubscribe = await signToken(keys, {
    p: "unsubscribe",
    s: address,
    e: secs(requestedAt) + UNSUBSCRIBE_LINK_DAYS * 86_400,
    x: "signup",
  });
  return {
    confirmUrl: `${publicUrl}/signup/confirm?token=${encodeURIComponent(confirm)}`,
    expiresAt: new Date(e * 1000),
    unsubscribeUrl: `${publicUrl}/unsubscribe/${encodeURIComponent(unsubscribe)}`,
  };
}
