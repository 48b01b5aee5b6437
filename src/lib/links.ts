import type { Keys } from "./crypto";
import { signToken } from "./tokens";

/** A sign-in link works this long (it travels only to the account address or the API caller). */
export const SIGN_IN_LINK_DAYS = 7;
/** Manage links sit in Slack history and webhook logs for long; all they can do is mail the owner. */
const MANAGE_LINK_DAYS = 365;
/** Unsubscribe links must keep working long after the message was read. */
export const UNSUBSCRIBE_LINK_DAYS = 365;

/**
 * Which messages an unsubscribe link stops: the link in an alert stops alerts, in a digest
 * digests. A message to an address not yet confirmed carries `channel:<id>`: whoever received it
 * (maybe a stranger, through a typo) can stop mail to that address, and nothing else.
 * A sign-up confirmation carries `signup` (the token's subject is the address, not a user): it
 * stops every further confirmation email to that address.
 */
export type UnsubscribeScope = "alerts" | "digests" | "all" | `channel:${string}` | "signup";

export const scopeForKind = (kind: "alert" | "digest" | "test"): UnsubscribeScope => (kind === "digest" ? "digests" : "alerts");

const secs = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * A sign-in link: opening it starts a preference-page session. It carries the user's session
 * epoch, so "sign out everywhere" voids it (services/sign-in.ts checks).
 */
export async function signInLink(keys: Keys, publicUrl: string, user: { id: string; sessionEpoch: number }, issuedAt: Date) {
  const e = secs(issuedAt) + SIGN_IN_LINK_DAYS * 86_400;
  const token = await signToken(keys, { p: "preferences", s: user.id, e, v: user.sessionEpoch });
  return { url: `${publicUrl}/preferences?token=${encodeURIComponent(token)}`, expiresAt: new Date(e * 1000) };
}

/** A manage link: a page that can only email a fresh sign-in link to the account address. */
async function manageLink(keys: Keys, publicUrl: string, userId: string, issuedAt: Date): Promise<string> {
  const token = await signToken(keys, { p: "manage", s: userId, e: secs(issuedAt) + MANAGE_LINK_DAYS * 86_400 });
  return `${publicUrl}/manage/${encodeURIComponent(token)}`;
}

/**
 * The manage and unsubscribe links a message carries. `manage` is a sign-in link only when the
 * message goes to the account's own address; everywhere else (Slack, webhooks, other addresses)
 * it is a manage link, which cannot open the account. Derived from `issuedAt` (the
 * notification's creation), so a retried message renders the same bytes.
 */
export async function messageLinks(
  keys: Keys,
  publicUrl: string,
  user: { id: string; sessionEpoch: number },
  scope: UnsubscribeScope,
  issuedAt: Date,
  toAccountAddress: boolean,
) {
  const manage = toAccountAddress
    ? (await signInLink(keys, publicUrl, user, issuedAt)).url
    : await manageLink(keys, publicUrl, user.id, issuedAt);
  const unsubscribe = await signToken(keys, {
    p: "unsubscribe",
    s: user.id,
    e: secs(issuedAt) + UNSUBSCRIBE_LINK_DAYS * 86_400,
    x: scope,
  });
  return { manage, unsubscribe: `${publicUrl}/unsubscribe/${encodeURIComponent(unsubscribe)}` };
}
