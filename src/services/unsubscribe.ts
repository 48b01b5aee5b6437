import { disableChannel } from "../db/queries/channels";
import { setSubscriptions } from "../db/queries/preferences";
import type { Db } from "../db/types";
import type { Keys } from "../lib/crypto";
import type { UnsubscribeScope } from "../lib/links";
import { verifyToken } from "../lib/tokens";
import { optOutOfConfirmations } from "./confirmations";

/**
 * Unsubscribe links (purpose `unsubscribe`): the token is the only credential, and its scope says
 * what it stops (lib/links.ts). Reading a link changes nothing; `unsubscribe` acts at once.
 */
export type { UnsubscribeScope } from "../lib/links";

/** The channel a `channel:<id>` scope names, else null. */
export const channelOfScope = (scope: UnsubscribeScope) => (scope.startsWith("channel:") ? scope.slice("channel:".length) : null);

/** The scope of a valid unsubscribe link and its subject (a user id, or for `signup` the address), or null. */
export async function readUnsubscribeLink(
  keys: Keys,
  token: string,
  now: Date,
): Promise<{ subject: string; scope: UnsubscribeScope } | null> {
  const claims = await verifyToken(keys, "unsubscribe", token, now);
  if (!claims) return null;
  return { subject: claims.s, scope: (claims.x ?? "alerts") as UnsubscribeScope };
}

/**
 * Stops what the link names and returns its scope, or null for a damaged or expired link:
 * - `signup`: the address (there may be no account) gets no further confirmation emails from
 *   anyone, sign-ups and added channels alike;
 * - `channel:<id>`: only that channel stops (the account owner's other messages are not the
 *   recipient's to switch off), and an email address gets no confirmation email again;
 * - `alerts`, `digests`, `all`: the user's message lists.
 */
export async function unsubscribe(db: Db, keys: Keys, token: string, now: Date): Promise<UnsubscribeScope | null> {
  const link = await readUnsubscribeLink(keys, token, now);
  if (!link) return null;
  const { subject, scope } = link;
  const channelId = channelOfScope(scope);
  if (scope === "signup") {
    await optOutOfConfirmations(db, subject, now);
  } else if (channelId) {
    await db.transaction(async (tx) => {
      const [ch] = await disableChannel(tx, { id: channelId, userId: subject }, "unsubscribed", now);
      if (ch?.type === "email") await optOutOfConfirmations(tx, ch.target, now);
    });
  } else {
    const subs =
      scope === "alerts" ? { alerts: false } : scope === "digests" ? { digests: false } : { alerts: false, digests: false };
    await setSubscriptions(db, subject, subs, now);
  }
  return scope;
}
