import { z } from "@hono/zod-openapi";
import {
  channelsAfter,
  confirmChannel,
  disableChannel,
  findChannel,
  findEmailChannel,
  hasChannelWithFingerprint,
  insertChannel,
  listChannels,
  type NewChannel,
  setChannelStatus,
  softDeleteChannel,
  type VerifyNoticePayload,
  verifyNoticeKey,
} from "../db/queries/channels";
import { countedChannels, lockUser } from "../db/queries/limits";
import { insertNotification } from "../db/queries/notifications";
import type { ChannelRow } from "../db/schema/channels";
import type { NotificationRow } from "../db/schema/notifications";
import type { UserRow } from "../db/schema/users";
import type { Db } from "../db/types";
import { checkWebhookUrl } from "../delivery/ssrf";
import type { Deps } from "../deps";
import { channelFingerprint, newSigningSecret, sealSecret } from "../lib/channel-secrets";
import type { Keys } from "../lib/crypto";
import { ApiError, isUniqueViolation, notFound } from "../lib/errors";
import { decodeCursor, type Page, page } from "../lib/pagination";
import type { ResolveHost } from "../lib/resolve";
import { type ChannelType, ENTITLEMENTS, effectiveTier } from "../lib/tiers";
import { verifyToken } from "../lib/tokens";
import { emailAddress, validated } from "../lib/validation";
import { reserveConfirmation } from "./confirmations";
import { channelLimitMessage } from "./limits";
import { type NotificationWithEvents, withEventIds } from "./notifications";

/**
 * The channel rules, shared by the API (routes/channels), the preference page and "Add to Slack":
 * the tier's channel types and count, each type's fields, one live channel per target, double
 * opt-in for an address other than the account's, and the secrets sealed before they are stored.
 */
export type { ChannelsToDisable } from "../db/queries/channels";
export type { ChannelRow } from "../db/schema/channels";
export type { ChannelType } from "../lib/tiers";
export { disableChannel, listChannels };

/** What channel creation needs besides the database (a subset of Deps). */
export interface ChannelEnv {
  keys: Keys;
  allowPrivateWebhookTargets: boolean;
  resolveHost?: ResolveHost;
}

export const channelEnv = (deps: Pick<Deps, "keys" | "config" | "resolveHost">): ChannelEnv => ({
  keys: deps.keys,
  allowPrivateWebhookTargets: deps.config.allowPrivateWebhookTargets,
  resolveHost: deps.resolveHost,
});

const EmailFields = z.object({ address: emailAddress });
const SlackFields = z.object({
  bot_token: z.string().regex(/^xox[a-z]-[A-Za-z0-9-]{8,250}$/, "must be a Slack token (xoxb-…)"),
  channel: z.string().regex(/^#?[A-Za-z0-9._-]{1,80}$/, "must be a channel id or #name"),
});
const WebhookFields = z.object({ url: z.string().min(1).max(2048) });

/**
 * What may be shown of a webhook URL: scheme, host and the path with long segments (which are
 * often tokens, as in Slack incoming webhooks) cut, and no query.
 */
function redactUrl(url: URL): string {
  const path = url.pathname
    .split("/")
    .map((seg) => (seg.length > 12 ? `${seg.slice(0, 4)}…` : seg))
    .join("/");
  return `${url.protocol}//${url.host}${path}${url.search ? "?…" : ""}`;
}

/** The user's channel (deleted ones left out), or 404 — also for another user's id. */
export async function ownChannel(db: Db, userId: string, id: string): Promise<ChannelRow> {
  const ch = await findChannel(db, userId, id);
  if (!ch) throw notFound("channel");
  return ch;
}

/** A page of the user's channels, oldest first; `cursor` is the previous page's next_cursor. */
export async function channelsPage(db: Db, userId: string, cursor: string | undefined, limit: number): Promise<Page<ChannelRow>> {
  const rows = await channelsAfter(db, userId, decodeCursor(cursor), limit);
  return page(rows, limit, (ch) => ({ at: ch.createdAt, id: ch.id }));
}

/** Throws 403 `tier_limit` unless the user's tier may have one more channel of this type. */
export async function checkChannelTier(db: Db, user: UserRow, type: ChannelType, now: Date): Promise<void> {
  const tier = effectiveTier(user, now);
  const e = ENTITLEMENTS[tier];
  if (!e.channelTypes.includes(type) || (await countedChannels(db, user.id)) >= e.maxChannels) {
    throw new ApiError("tier_limit", channelLimitMessage(tier));
  }
}

export interface CreatedChannel {
  row: ChannelRow;
  /** webhooks only, shown once */
  signingSecret?: string;
  /** an address other than the account's: its confirmation email is queued */
  verificationQueued: boolean;
}

/** The columns every new channel starts with. */
type ChannelBase = Pick<NewChannel, "userId" | "type" | "createdAt" | "updatedAt">;

const identical = () => new ApiError("conflict", "an identical channel exists");

/**
 * Adds a channel: the tier is checked before the fields (a free user's webhook is a 403 whatever
 * the URL), then the type's fields (400), then an identical channel is a 409. An address other
 * than the account's stays `pending_verification` and gets exactly one confirmation email,
 * queued in the same transaction; the caller wakes the dispatcher.
 *
 * @example await createChannel(db, env, user.id, "webhook", { url: "https://example.com/hook" }, now)
 */
export async function createChannel(
  db: Db,
  env: ChannelEnv,
  userId: string,
  type: ChannelType,
  body: Record<string, unknown>,
  now: Date,
): Promise<CreatedChannel> {
  try {
    return await db.transaction(async (tx) => {
      const user = await lockUser(tx, userId);
      if (!user) throw notFound("user");
      await checkChannelTier(tx, user, type, now);
      const base: ChannelBase = { userId: user.id, type, createdAt: now, updatedAt: now };
      if (type === "email") return addEmailChannel(tx, user, base, body, now);
      if (type === "slack") return addSlackChannel(tx, env, base, body, now);
      return addWebhookChannel(tx, env, base, body, now);
    });
  } catch (e) {
    if (isUniqueViolation(e, "channels_user_fingerprint_key")) throw identical();
    throw e;
  }
}

/** Any address but the account's own waits for its confirmation link (double opt-in). */
async function addEmailChannel(tx: Db, user: UserRow, base: ChannelBase, body: unknown, now: Date): Promise<CreatedChannel> {
  const { address } = validated(EmailFields, body);
  const own = address.toLowerCase() === user.email.toLowerCase();
  // The fingerprint check first, so an identical channel is a 409 and reserves no email.
  const fingerprint = await channelFingerprint("email", address.toLowerCase());
  if (!own && (await hasChannelWithFingerprint(tx, user.id, fingerprint))) throw identical();
  // capped per address across every account (429), and never again once its owner opted out
  const verdict = own ? "send" : await reserveConfirmation(tx, address, now);
  const row = await insertChannel(tx, {
    ...base,
    target: address,
    fingerprint,
    status: own ? "active" : verdict === "opted_out" ? "disabled" : "pending_verification",
    statusReason: verdict === "opted_out" ? "recipient_opted_out" : null,
    verifiedAt: own ? now : null,
  });
  const verificationQueued = !own && verdict === "send";
  if (verificationQueued) {
    const payload: VerifyNoticePayload = { key: verifyNoticeKey(row.id), notice: "verify_email", address };
    await insertNotification(tx, {
      userId: user.id,
      channelId: row.id,
      kind: "notice",
      payload,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    });
  }
  return { row, verificationQueued };
}

async function addSlackChannel(tx: Db, env: ChannelEnv, base: ChannelBase, body: unknown, now: Date): Promise<CreatedChannel> {
  const f = validated(SlackFields, body);
  const row = await insertChannel(tx, {
    ...base,
    target: f.channel,
    fingerprint: await channelFingerprint("slack", `${f.bot_token}\n${f.channel}`),
    secretEnc: await sealSecret(env.keys, { bot_token: f.bot_token }),
    status: "active",
    verifiedAt: now,
  });
  return { row, verificationQueued: false };
}

/** The URL must reach a public address (unless private targets are allowed); only a redacted form is shown. */
async function addWebhookChannel(tx: Db, env: ChannelEnv, base: ChannelBase, body: unknown, now: Date): Promise<CreatedChannel> {
  const { url } = validated(WebhookFields, body);
  const check = await checkWebhookUrl(url, { allowPrivate: env.allowPrivateWebhookTargets, resolve: env.resolveHost });
  if (!check.ok) throw new ApiError("invalid_request", `url: ${check.reason}`);
  const signingSecret = newSigningSecret();
  const row = await insertChannel(tx, {
    ...base,
    target: redactUrl(check.url),
    fingerprint: await channelFingerprint("webhook", check.url.href),
    secretEnc: await sealSecret(env.keys, { url: check.url.href, signing_secret: signingSecret }),
    status: "active",
    verifiedAt: now,
  });
  return { row, signingSecret, verificationQueued: false };
}

/**
 * Disabling always works; enabling counts against the tier again, and a channel never confirmed
 * goes back to `pending_verification`, not `active`.
 */
export async function setChannelEnabled(db: Db, userId: string, id: string, enabled: boolean, now: Date): Promise<ChannelRow> {
  return db.transaction(async (tx) => {
    const user = await lockUser(tx, userId);
    if (!user) throw notFound("user");
    const ch = await ownChannel(tx, user.id, id);
    if (!enabled && ch.status !== "disabled") {
      const [row] = await disableChannel(tx, { id: ch.id }, "user", now);
      return row;
    }
    const counted = ch.status === "active" || ch.status === "pending_verification";
    if (enabled && !counted) return turnOn(tx, user, ch, now);
    return ch;
  });
}

async function turnOn(tx: Db, user: UserRow, ch: ChannelRow, now: Date): Promise<ChannelRow> {
  // the recipient said no (a confirmation email's unsubscribe link): only they can undo that
  if (!ch.verifiedAt && (ch.statusReason === "recipient_opted_out" || ch.statusReason === "unsubscribed")) {
    throw new ApiError("conflict", "the recipient of this address unsubscribed from clausewatch; it cannot be turned on");
  }
  const tier = effectiveTier(user, now);
  const e = ENTITLEMENTS[tier];
  const typeOk = ch.isAccountEmail || e.channelTypes.includes(ch.type);
  if (!typeOk || (await countedChannels(tx, user.id)) >= e.maxChannels) {
    throw new ApiError("tier_limit", channelLimitMessage(tier));
  }
  return setChannelStatus(tx, ch.id, ch.verifiedAt ? "active" : "pending_verification", null, now);
}

/** `PATCH /v1/channels/{id}`: no field given changes nothing (and is still a 404 for another user's id). */
export async function updateChannel(
  db: Db,
  userId: string,
  id: string,
  patch: { enabled?: boolean },
  now: Date,
): Promise<ChannelRow> {
  if (patch.enabled === undefined) return ownChannel(db, userId, id);
  return setChannelEnabled(db, userId, id, patch.enabled, now);
}

/** Soft delete (the audit trail keeps it); its pending messages are suppressed. The account email stays. */
export async function deleteChannel(db: Db, userId: string, id: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const ch = await ownChannel(tx, userId, id);
    if (ch.isAccountEmail) throw new ApiError("forbidden", "the account email channel cannot be deleted; disable it instead");
    await softDeleteChannel(tx, ch.id, now);
  });
}

/** Queues a test message to an active channel (409 otherwise); the caller wakes the dispatcher. */
export async function queueChannelTest(db: Db, userId: string, id: string, now: Date): Promise<NotificationRow> {
  const ch = await ownChannel(db, userId, id);
  if (ch.status !== "active") throw new ApiError("conflict", `the channel is ${ch.status}; only an active channel can be tested`);
  return insertNotification(db, {
    userId,
    channelId: ch.id,
    kind: "test",
    nextAttemptAt: now,
    createdAt: now,
    updatedAt: now,
    payload: {},
  });
}

/** `POST /v1/channels/{id}/test`: the queued test message as the notifications API shows it. */
export async function testChannel(db: Db, userId: string, id: string, now: Date): Promise<NotificationWithEvents> {
  const [n] = await withEventIds(db, [await queueChannelTest(db, userId, id, now)]);
  return n;
}

/* ---- double opt-in: the confirmation link of an added address (`/verify-email/{token}`) ---- */

/** Why a confirmation link does not work: damaged or expired, or its address was removed since. */
export type ConfirmationProblem = "bad_link" | "removed";
export type ConfirmationLink = { channel: ChannelRow } | { problem: ConfirmationProblem };

/**
 * The live email channel a confirmation link names (purpose `verify-email`, subject the channel,
 * 7 days); nothing changes. The signed token is the only credential.
 */
export async function channelToConfirm(db: Db, keys: Keys, token: string, now: Date): Promise<ConfirmationLink> {
  const claims = await verifyToken(keys, "verify-email", token, now);
  if (!claims) return { problem: "bad_link" };
  const channel = await findEmailChannel(db, claims.s);
  return channel ? { channel } : { problem: "removed" };
}

/**
 * Confirms the address of a confirmation link: a pending channel becomes active; one paused or
 * disabled meanwhile stays so, but counts as confirmed when it comes back.
 */
export async function confirmEmailChannel(db: Db, keys: Keys, token: string, now: Date): Promise<ConfirmationLink> {
  const found = await channelToConfirm(db, keys, token, now);
  if (!("channel" in found)) return found;
  const channel = await confirmChannel(db, found.channel.id, now);
  return channel ? { channel } : { problem: "removed" };
}
