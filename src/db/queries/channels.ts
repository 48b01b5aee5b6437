import { and, asc, desc, eq, isNull, type SQL, sql } from "drizzle-orm";
import { afterCursor, type Cursor } from "../../lib/pagination";
import { channels, notifications } from "../schema";
import type { ChannelRow } from "../schema/channels";
import { instant } from "../sql";
import type { Db } from "../types";

/**
 * The channels table's queries. The rules (tier limits, fields, confirmation, sealing the
 * secrets) live in services/channels.ts. "Live" means not deleted.
 */

/**
 * Transitional: delivery/types.ts still imports this type from here; it lives in
 * lib/channel-secrets.ts (remove this line once nothing imports it from db/).
 */
export type { ChannelSecret } from "../../lib/channel-secrets";

export type NewChannel = typeof channels.$inferInsert;

/** The key of a channel's verification notice (unique per user: one email per address added). */
export const verifyNoticeKey = (channelId: string) => `verify:${channelId}`;

/** What the verification notice stores; the link itself is signed when the email is composed. */
export interface VerifyNoticePayload {
  key: string;
  notice: "verify_email";
  address: string;
}

const live = (userId: string): SQL => and(eq(channels.userId, userId), isNull(channels.deletedAt))!;

/** The user's live channel, or undefined (also when it is another user's). */
export async function findChannel(db: Db, userId: string, id: string): Promise<ChannelRow | undefined> {
  const [ch] = await db
    .select()
    .from(channels)
    .where(and(eq(channels.id, id), live(userId)))
    .limit(1);
  return ch;
}

/** A live email channel by id, whoever owns it (a confirmation link names only the channel). */
export async function findEmailChannel(db: Db, id: string): Promise<ChannelRow | undefined> {
  const [ch] = await db
    .select()
    .from(channels)
    .where(and(eq(channels.id, id), eq(channels.type, "email"), isNull(channels.deletedAt)))
    .limit(1);
  return ch;
}

/** Every live channel of the user, the account email first, then oldest first. */
export function listChannels(db: Db, userId: string): Promise<ChannelRow[]> {
  return db
    .select()
    .from(channels)
    .where(live(userId))
    .orderBy(desc(channels.isAccountEmail), asc(channels.createdAt), asc(channels.id));
}

/** Up to limit + 1 live channels of the user after the cursor, oldest first. */
export function channelsAfter(db: Db, userId: string, after: Cursor | undefined, limit: number): Promise<ChannelRow[]> {
  return db
    .select()
    .from(channels)
    .where(and(live(userId), afterCursor(channels.createdAt, channels.id, after, "asc")))
    .orderBy(asc(channels.createdAt), asc(channels.id))
    .limit(limit + 1);
}

/** Whether the user has a live channel with this fingerprint. */
export async function hasChannelWithFingerprint(db: Db, userId: string, fingerprint: string): Promise<boolean> {
  const [dup] = await db
    .select({ id: channels.id })
    .from(channels)
    .where(and(live(userId), eq(channels.fingerprint, fingerprint)))
    .limit(1);
  return dup !== undefined;
}

export async function insertChannel(db: Db, values: NewChannel): Promise<ChannelRow> {
  const [row] = await db.insert(channels).values(values).returning();
  return row;
}

export async function setChannelStatus(
  db: Db,
  id: string,
  status: ChannelRow["status"],
  statusReason: string | null,
  now: Date,
): Promise<ChannelRow> {
  const [row] = await db.update(channels).set({ status, statusReason, updatedAt: now }).where(eq(channels.id, id)).returning();
  return row;
}

/**
 * Which channels to turn off: one by id (only if it is `userId`'s, when given; deleted or not), or
 * every live email channel at an address (compared lower-cased), the account email included.
 */
export type ChannelsToDisable = { id: string; userId?: string } | { emailAddress: string };

/**
 * Turns channels off, with the reason their owner sees (`user`, `unsubscribed`, `bounced`,
 * `complaint`, a provider's error…). Returns the rows it changed.
 *
 * @example await disableChannel(db, { id: channel.id }, "channel_not_found", now)
 */
export function disableChannel(db: Db, which: ChannelsToDisable, reason: string, now: Date): Promise<ChannelRow[]> {
  const where =
    "emailAddress" in which
      ? and(
          eq(channels.type, "email"),
          sql`lower(${channels.target}) = ${which.emailAddress.toLowerCase()}`,
          isNull(channels.deletedAt),
        )
      : and(eq(channels.id, which.id), which.userId === undefined ? undefined : eq(channels.userId, which.userId));
  return db.update(channels).set({ status: "disabled", statusReason: reason, updatedAt: now }).where(where).returning();
}

/** Soft delete (the audit trail keeps the row); the channel's pending messages are suppressed. */
export async function softDeleteChannel(db: Db, id: string, now: Date): Promise<void> {
  await db
    .update(channels)
    .set({ deletedAt: now, status: "disabled", statusReason: "deleted", updatedAt: now })
    .where(eq(channels.id, id));
  await db
    .update(notifications)
    .set({ status: "suppressed", statusReason: "channel_deleted", groupOpen: false, updatedAt: now })
    .where(and(eq(notifications.channelId, id), eq(notifications.status, "pending")));
}

/**
 * Marks a live email channel confirmed: a pending one becomes active; one paused or disabled
 * meanwhile keeps its status. Undefined when the channel is gone (deleted).
 */
export async function confirmChannel(db: Db, channelId: string, now: Date): Promise<ChannelRow | undefined> {
  const [row] = await db
    .update(channels)
    .set({
      verifiedAt: sql`coalesce(${channels.verifiedAt}, ${instant(now)})`,
      status: sql`case when ${channels.status} = 'pending_verification' then 'active' else ${channels.status} end`,
      updatedAt: now,
    })
    .where(and(eq(channels.id, channelId), eq(channels.type, "email"), isNull(channels.deletedAt)))
    .returning();
  return row;
}
