import { z } from "@hono/zod-openapi";
import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import { checkWebhookUrl } from "../../delivery/ssrf";
import type { Keys } from "../../lib/crypto";
import { randomBytes, sha256Hex, toBase64 } from "../../lib/crypto";
import { ApiError, isUniqueViolation, notFound } from "../../lib/errors";
import { ENTITLEMENTS, effectiveTier } from "../../lib/tiers";
import { email } from "../../routes/schemas";
import { channels, notifications } from "../schema";
import type { ChannelRow } from "../schema/channels";
import type { NotificationRow } from "../schema/notifications";
import type { UserRow } from "../schema/users";
import type { Db } from "../types";
import { reserveConfirmation } from "./confirmations";
import { channelLimitMessage, countedChannels, lockUser } from "./limits";

/** What is encrypted per channel type; never returned after creation. */
export type ChannelSecret = { bot_token: string } | { url: string; signing_secret: string };

export async function sealSecret(keys: Keys, secret: ChannelSecret): Promise<string> {
  return keys.encrypt(JSON.stringify(secret));
}

export async function openSecret<T extends ChannelSecret>(keys: Keys, sealed: string): Promise<T> {
  return JSON.parse(await keys.decrypt(sealed)) as T;
}

/** Standard Webhooks secrets are `whsec_` + base64 of 24-64 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${toBase64(randomBytes(32))}`;
}

/**
 * What may be shown of a webhook URL: scheme, host and the path with long segments (which are
 * often tokens, as in Slack incoming webhooks) cut, and no query.
 */
export function redactUrl(url: URL): string {
  const path = url.pathname
    .split("/")
    .map((seg) => (seg.length > 12 ? `${seg.slice(0, 4)}…` : seg))
    .join("/");
  return `${url.protocol}//${url.host}${path}${url.search ? "?…" : ""}`;
}

export const channelFingerprint = (type: string, target: string) => sha256Hex(`${type}:${target}`);

/* ---- the channel rules, shared by the API (routes/channels.ts), the preference page and "Add to Slack" ---- */

/** What channel creation needs besides the database (a subset of Deps). */
export interface ChannelEnv {
  keys: Keys;
  allowPrivateWebhookTargets: boolean;
  resolveHost?: (host: string) => Promise<string[]>;
}

export type ChannelType = ChannelRow["type"];

const EmailFields = z.object({ address: email });
const SlackFields = z.object({
  bot_token: z.string().regex(/^xox[a-z]-[A-Za-z0-9-]{8,250}$/, "must be a Slack token (xoxb-…)"),
  channel: z.string().regex(/^#?[A-Za-z0-9._-]{1,80}$/, "must be a channel id or #name"),
});
const WebhookFields = z.object({ url: z.string().min(1).max(2048) });

/** The fields of one type, or 400 naming them (checked after the tier: see createChannel). */
function fields<T>(schema: z.ZodType<T>, body: Record<string, unknown>): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `${i.path.map(String).join(".") || "body"}: ${i.message}`);
  throw new ApiError("invalid_request", [...new Set(lines)].slice(0, 5).join("; "));
}

/** The key of a channel's verification notice (unique per user: one email per address added). */
export const verifyNoticeKey = (channelId: string) => `verify:${channelId}`;

/** What the verification notice stores; the link itself is signed when the email is composed. */
export interface VerifyNoticePayload {
  key: string;
  notice: "verify_email";
  address: string;
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
      const base = { userId: user.id, type, createdAt: now, updatedAt: now };
      if (type === "email") {
        const { address } = fields(EmailFields, body);
        // Any address but the account's own waits for its confirmation link (double opt-in).
        const own = address.toLowerCase() === user.email.toLowerCase();
        // The fingerprint check first, so an identical channel is a 409 and reserves no email.
        const fingerprint = await channelFingerprint("email", address.toLowerCase());
        if (!own) await assertNoSuchChannel(tx, user.id, fingerprint);
        // capped per address across every account (429), and never again once its owner opted out
        const verdict = own ? "send" : await reserveConfirmation(tx, address, now);
        const [row] = await tx
          .insert(channels)
          .values({
            ...base,
            target: address,
            fingerprint,
            status: own ? "active" : verdict === "opted_out" ? "disabled" : "pending_verification",
            statusReason: verdict === "opted_out" ? "recipient_opted_out" : null,
            verifiedAt: own ? now : null,
          })
          .returning();
        if (!own && verdict === "send") {
          const payload: VerifyNoticePayload = { key: verifyNoticeKey(row.id), notice: "verify_email", address };
          await tx.insert(notifications).values({
            userId: user.id,
            channelId: row.id,
            kind: "notice",
            payload,
            nextAttemptAt: now,
            createdAt: now,
            updatedAt: now,
          });
        }
        return { row, verificationQueued: !own && verdict === "send" };
      }
      if (type === "slack") {
        const f = fields(SlackFields, body);
        const [row] = await tx
          .insert(channels)
          .values({
            ...base,
            target: f.channel,
            fingerprint: await channelFingerprint("slack", `${f.bot_token}\n${f.channel}`),
            secretEnc: await sealSecret(env.keys, { bot_token: f.bot_token }),
            status: "active",
            verifiedAt: now,
          })
          .returning();
        return { row, verificationQueued: false };
      }
      const { url } = fields(WebhookFields, body);
      const check = await checkWebhookUrl(url, { allowPrivate: env.allowPrivateWebhookTargets, resolve: env.resolveHost });
      if (!check.ok) throw new ApiError("invalid_request", `url: ${check.reason}`);
      const signingSecret = newSigningSecret();
      const [row] = await tx
        .insert(channels)
        .values({
          ...base,
          target: redactUrl(check.url),
          fingerprint: await channelFingerprint("webhook", check.url.href),
          secretEnc: await sealSecret(env.keys, { url: check.url.href, signing_secret: signingSecret }),
          status: "active",
          verifiedAt: now,
        })
        .returning();
      return { row, signingSecret, verificationQueued: false };
    });
  } catch (e) {
    if (isUniqueViolation(e, "channels_user_fingerprint_key")) throw new ApiError("conflict", "an identical channel exists");
    throw e;
  }
}

async function assertNoSuchChannel(tx: Db, userId: string, fingerprint: string): Promise<void> {
  const [dup] = await tx
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.userId, userId), eq(channels.fingerprint, fingerprint), isNull(channels.deletedAt)))
    .limit(1);
  if (dup) throw new ApiError("conflict", "an identical channel exists");
}

/** The user's channel (deleted ones left out), or 404 — also for another user's id. */
export async function ownChannel(db: Db, userId: string, id: string): Promise<ChannelRow> {
  const [ch] = await db
    .select()
    .from(channels)
    .where(and(eq(channels.id, id), eq(channels.userId, userId), isNull(channels.deletedAt)))
    .limit(1);
  if (!ch) throw notFound("channel");
  return ch;
}

/** Every channel of the user, the account email first, then oldest first. */
export function listChannels(db: Db, userId: string): Promise<ChannelRow[]> {
  return db
    .select()
    .from(channels)
    .where(and(eq(channels.userId, userId), isNull(channels.deletedAt)))
    .orderBy(desc(channels.isAccountEmail), asc(channels.createdAt), asc(channels.id));
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
    const counted = ch.status === "active" || ch.status === "pending_verification";
    if (!enabled && ch.status !== "disabled") {
      const [r] = await tx
        .update(channels)
        .set({ status: "disabled", statusReason: "user", updatedAt: now })
        .where(eq(channels.id, ch.id))
        .returning();
      return r;
    }
    if (enabled && !counted) {
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
      const [r] = await tx
        .update(channels)
        .set({ status: ch.verifiedAt ? "active" : "pending_verification", statusReason: null, updatedAt: now })
        .where(eq(channels.id, ch.id))
        .returning();
      return r;
    }
    return ch;
  });
}

/** Soft delete (the audit trail keeps it); its pending messages are suppressed. The account email stays. */
export async function deleteChannel(db: Db, userId: string, id: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const ch = await ownChannel(tx, userId, id);
    if (ch.isAccountEmail) throw new ApiError("forbidden", "the account email channel cannot be deleted; disable it instead");
    await tx
      .update(channels)
      .set({ deletedAt: now, status: "disabled", statusReason: "deleted", updatedAt: now })
      .where(eq(channels.id, ch.id));
    await tx
      .update(notifications)
      .set({ status: "suppressed", statusReason: "channel_deleted", groupOpen: false, updatedAt: now })
      .where(and(eq(notifications.channelId, ch.id), eq(notifications.status, "pending")));
  });
}

/** Queues a test message to an active channel (409 otherwise); the caller wakes the dispatcher. */
export async function queueChannelTest(db: Db, userId: string, id: string, now: Date): Promise<NotificationRow> {
  const ch = await ownChannel(db, userId, id);
  if (ch.status !== "active") throw new ApiError("conflict", `the channel is ${ch.status}; only an active channel can be tested`);
  const [n] = await db
    .insert(notifications)
    .values({ userId, channelId: ch.id, kind: "test", nextAttemptAt: now, createdAt: now, updatedAt: now, payload: {} })
    .returning();
  return n;
}

/**
 * Confirms an address from its verification link: a pending channel becomes active; one paused
 * or disabled meanwhile stays so, but counts as confirmed when it comes back. Null when the
 * channel is gone (deleted).
 */
export async function confirmChannel(db: Db, channelId: string, now: Date): Promise<ChannelRow | null> {
  const [row] = await db
    .update(channels)
    .set({
      verifiedAt: sql`coalesce(${channels.verifiedAt}, ${now.toISOString()}::timestamptz)`,
      status: sql`case when ${channels.status} = 'pending_verification' then 'active' else ${channels.status} end`,
      updatedAt: now,
    })
    .where(and(eq(channels.id, channelId), eq(channels.type, "email"), isNull(channels.deletedAt)))
    .returning();
  return row ?? null;
}
