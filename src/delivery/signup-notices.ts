import { optedOut } from "../db/queries/confirmations";
import type { SignupPlan } from "../db/schema/signups";
import type { Db } from "../db/types";
import type { Keys } from "../lib/crypto";
import type { WelcomeContent } from "../lib/messages";
import { signupLinks } from "../lib/signup-link";
import type { Claimed, Outcome } from "./outbox";
import { suppressedAddresses } from "./suppressions";
import type { OutboundMessage } from "./types";

/**
 * The sign-up's two emails (services/signup.ts queues them):
 * - the confirmation goes to an address that may be no account (yet): its outbox row has no user
 *   and no channel, the payload names the address. Everything else about it is the outbox's as
 *   usual (lease, retries, suppression); compose.ts hands such rows here.
 * - the welcome goes to the new account's own address, like a sign-in link (compose.ts).
 */

/** What services/signup.ts queues. */
export interface SignupConfirmPayload {
  /** `signup:<signup id>` */
  key: string;
  notice: "signup_confirm";
  signup_id: string;
  address: string;
  plan: SignupPlan;
  timezone: string | null;
}

/** A claimed row of an account's channel (every row but an address notice). */
export type AccountClaimed = Claimed & { user_id: string; channel_id: string };

export function splitByRecipient(claimed: Claimed[]): { account: AccountClaimed[]; toAddress: Claimed[] } {
  const account: AccountClaimed[] = [];
  const toAddress: Claimed[] = [];
  for (const c of claimed) {
    if (c.user_id !== null && c.channel_id !== null) account.push(c as AccountClaimed);
    else toAddress.push(c);
  }
  return { account, toAddress };
}

function signupPayload(payload: unknown): SignupConfirmPayload | null {
  if (!payload || typeof payload !== "object") return null;
  const p = payload as Partial<SignupConfirmPayload>;
  if (p.notice !== "signup_confirm" || typeof p.signup_id !== "string" || typeof p.address !== "string") return null;
  if (p.plan !== "free" && p.plan !== "watcher_trial" && p.plan !== "professional_trial") return null;
  return {
    key: p.key ?? "",
    notice: p.notice,
    signup_id: p.signup_id,
    address: p.address,
    plan: p.plan,
    timezone: p.timezone ?? null,
  };
}

/**
 * Messages for claimed address notices, with one query for suppressions and one for opt-outs.
 * An address that bounced, complained or unsubscribed from a confirmation gets nothing.
 */
export async function composeAddressNotices(
  db: Db,
  keys: Keys,
  publicUrl: string,
  claimed: Claimed[],
): Promise<{ ready: { claimed: Claimed; msg: OutboundMessage }[]; skipped: (Outcome & { channelType?: "email" })[] }> {
  const out: { ready: { claimed: Claimed; msg: OutboundMessage }[]; skipped: (Outcome & { channelType?: "email" })[] } = {
    ready: [],
    skipped: [],
  };
  if (claimed.length === 0) return out;
  const parsed = claimed.map((c) => ({ c, p: signupPayload(c.payload) }));
  const addresses = [...new Set(parsed.flatMap(({ p }) => (p ? [p.address.toLowerCase()] : [])))];
  const suppressed = await suppressedAddresses(db, addresses);
  const optOuts = await optedOut(db, addresses);
  for (const { c, p } of parsed) {
    const addr = p?.address.toLowerCase() ?? "";
    const why = !p
      ? "no_notice"
      : optOuts.has(addr)
        ? "recipient_opted_out"
        : suppressed.has(addr)
          ? `address_suppressed: ${suppressed.get(addr)}`
          : null;
    if (why || !p) {
      out.skipped.push({
        id: c.id,
        attempts: c.attempts,
        status: "suppressed",
        statusReason: why ?? "no_notice",
        channelType: "email",
      });
      continue;
    }
    const links = await signupLinks(keys, publicUrl, p.signup_id, p.address, new Date(c.created_at));
    const timezone = p.timezone ?? "UTC";
    out.ready.push({
      claimed: c,
      msg: {
        id: c.id,
        kind: "notice",
        createdAt: new Date(c.created_at),
        attempt: c.attempts,
        // no account: the message names the address alone (the id of a channel that does not exist
        // is empty, so a provider's "disable this channel" touches nothing)
        user: { id: "", email: p.address, tier: "free", timezone },
        channel: { id: "", type: "email", target: p.address, secret: null },
        content: {
          kind: "notice",
          notice: "signup_confirm",
          address: p.address,
          confirm_url: links.confirmUrl,
          expires_at: links.expiresAt.toISOString(),
          plan: p.plan,
        },
        // no account to manage: the sign-in form is the only page there is for this reader
        links: { manage: `${publicUrl}/signin`, unsubscribe: links.unsubscribeUrl },
      },
    });
  }
  return out;
}

/** What services/signup.ts queues for a new account; the sign-in link is signed when composed. */
export interface WelcomePayload {
  key: "welcome";
  notice: "welcome";
  platform: string | null;
  trial_tier: "watcher" | "professional" | null;
  trial_ends_at: string | null;
  trial_refused: boolean;
}

/** The welcome notice's content but its sign-in link, or null when the payload is not one. */
export function welcomeContent(payload: unknown): Omit<WelcomeContent, "sign_in_url" | "expires_at"> | null {
  if (!payload || typeof payload !== "object") return null;
  const p = payload as Partial<WelcomePayload>;
  if (p.notice !== "welcome") return null;
  return {
    kind: "notice",
    notice: "welcome",
    platform: typeof p.platform === "string" ? p.platform : null,
    trial_tier: p.trial_tier === "watcher" || p.trial_tier === "professional" ? p.trial_tier : null,
    trial_ends_at: typeof p.trial_ends_at === "string" ? p.trial_ends_at : null,
    trial_refused: p.trial_refused === true,
  };
}
