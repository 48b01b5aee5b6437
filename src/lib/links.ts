import type { Keys } from "./crypto";
import { signToken } from "./tokens";

export const MANAGE_LINK_DAYS = 30;
/** Unsubscribe links must keep working long after the message was read. */
export const UNSUBSCRIBE_LINK_DAYS = 365;

/**
 * Which messages an unsubscribe link stops: the link in an alert stops alerts, in a digest
 * digests. A message to an address not yet confirmed carries `channel:<id>`: whoever received it
 * (maybe a stranger, through a typo) can stop mail to that address, and nothing else.
 */
export type UnsubscribeScope = "alerts" | "digests" | "all" | `channel:${string}`;

export const scopeForKind = (kind: "alert" | "digest" | "test"): UnsubscribeScope => (kind === "digest" ? "digests" : "alerts");

/** The manage and unsubscribe links every message carries. */
export async function messageLinks(keys: Keys, publicUrl: string, userId: string, scope: UnsubscribeScope, now: Date) {
  const secs = Math.floor(now.getTime() / 1000);
  const manage = await signToken(keys, { p: "preferences", s: userId, e: secs + MANAGE_LINK_DAYS * 86_400 });
  const unsubscribe = await signToken(keys, { p: "unsubscribe", s: userId, e: secs + UNSUBSCRIBE_LINK_DAYS * 86_400, x: scope });
  return {
    manage: `${publicUrl}/preferences?token=${encodeURIComponent(manage)}`,
    unsubscribe: `${publicUrl}/unsubscribe/${encodeURIComponent(unsubscribe)}`,
  };
}
