import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import { lockUser } from "../db/queries/limits";
import { channels, sessions, users } from "../db/schema";
import type { UserRow } from "../db/schema/users";
import { instant } from "../db/sql";
import { type Db, rows } from "../db/types";
import type { Keys } from "../lib/crypto";
import { randomToken, sha256Hex } from "../lib/crypto";
import { verifyToken } from "../lib/tokens";
import { queueNotice } from "./notices";

/**
 * Who may sign in to the preference page, and how.
 *
 * A **sign-in link** (`/preferences?token=…`, purpose `preferences`) starts a session. It lasts
 * SIGN_IN_LINK_DAYS, carries the user's session epoch, and travels only to the account's own
 * address (or to the API caller who minted it with the user's key). Everything else that goes
 * out — Slack, webhooks, other addresses — carries a **manage link** (`/manage/<token>`), which
 * can do one thing: email a fresh sign-in link to the account address.
 *
 * **Sessions** live in the `sessions` table; the cookie holds a random token whose hash is the
 * row's key. Signing out deletes the row; "sign out everywhere" deletes every row of the user
 * and bumps the epoch, which voids every sign-in link issued before.
 */
export { SIGN_IN_LINK_DAYS } from "../lib/links";
export const SESSION_TTL_S = 2 * 60 * 60;
/** Sign-in emails one account can be sent per hour, whoever asks for them. */
const SIGN_IN_EMAILS_PER_HOUR = 3;

/** The user a sign-in link was made for, or null: bad signature, expired, or issued before a revoke. */
export async function userFromSignInToken(db: Db, keys: Keys, token: string, now: Date): Promise<UserRow | null> {
  const claims = await verifyToken(keys, "preferences", token, now);
  // links minted before epochs existed carry no `v`: they travelled everywhere, so they are void
  if (!claims || typeof claims.v !== "number") return null;
  const [user] = await db.select().from(users).where(eq(users.id, claims.s)).limit(1);
  return user && user.sessionEpoch === claims.v ? user : null;
}

/** The user id a manage link names, or null. */
export async function userIdFromManageToken(keys: Keys, token: string, now: Date): Promise<string | null> {
  return (await verifyToken(keys, "manage", token, now))?.s ?? null;
}

/** Starts a session; the returned token goes into the cookie and nowhere else. */
export async function createSession(db: Db, userId: string, now: Date): Promise<string> {
  const token = randomToken(32);
  await db.insert(sessions).values({
    idHash: await sha256Hex(token),
    userId,
    createdAt: now,
    expiresAt: new Date(now.getTime() + SESSION_TTL_S * 1000),
  });
  // expired rows of this user go when a new one starts: the table stays as small as the live sessions
  await db.delete(sessions).where(and(eq(sessions.userId, userId), lt(sessions.expiresAt, now)));
  return token;
}

/** The user of a live session, or null (unknown, ended, expired). */
export async function sessionUser(db: Db, token: string, now: Date): Promise<UserRow | null> {
  const [row] = await db
    .select({ user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.idHash, await sha256Hex(token)), gt(sessions.expiresAt, now)))
    .limit(1);
  return row?.user ?? null;
}

export async function endSession(db: Db, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, await sha256Hex(token)));
}

/** Ends every session of the user and voids every sign-in link issued before now. */
export async function revokeAllSessions(db: Db, userId: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ sessionEpoch: sql`${users.sessionEpoch} + 1`, updatedAt: now })
      .where(eq(users.id, userId));
    await tx.delete(sessions).where(eq(sessions.userId, userId));
  });
}

/** What a sign-in notice stores; the link is signed when the email is composed. */
export interface SignInNoticePayload {
  key: string;
  notice: "sign_in_link";
}

/**
 * Queues an email with a fresh sign-in link to the account's own address, at most
 * SIGN_IN_EMAILS_PER_HOUR an hour. Answers whether one was queued; callers never tell the
 * requester (a manage link or the sign-in form must not reveal anything about the account).
 */
export async function queueSignInEmail(db: Db, userId: string, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    // the user row lock serializes concurrent requests, so the hourly cap holds under races
    if (!(await lockUser(tx, userId))) return false;
    const [account] = await tx
      .select({ id: channels.id })
      .from(channels)
      .where(and(eq(channels.userId, userId), eq(channels.isAccountEmail, true), isNull(channels.deletedAt)))
      .limit(1);
    if (!account) return false;
    const hourAgo = new Date(now.getTime() - 3_600_000);
    const [{ n }] = await rows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from notifications
          where user_id = ${userId} and kind = 'notice' and payload->>'notice' = 'sign_in_link'
            and created_at > ${instant(hourAgo)}`,
    );
    if (Number(n) >= SIGN_IN_EMAILS_PER_HOUR) return false;
    const payload: SignInNoticePayload = { key: `signin:${randomToken(12)}`, notice: "sign_in_link" };
    await queueNotice(tx, { userId, channelId: account.id }, payload, now);
    return true;
  });
}

/**
 * The sign-in form (`POST /signin`): a sign-in link to the account that uses this address, if
 * one does. Answers whether an email was queued; the page says the same either way.
 */
export async function emailSignInLink(db: Db, email: string, now: Date): Promise<boolean> {
  const user = await userByEmail(db, email);
  return user ? queueSignInEmail(db, user.id, now) : false;
}

/** What a manage link's button came to: a damaged or expired link, or whether an email was queued. */
export type ManageLinkOutcome = "bad_link" | "queued" | "not_queued";

/** A manage link's button (`POST /manage/<token>`): a sign-in link to the account's own address. */
export async function emailSignInLinkForManageLink(db: Db, keys: Keys, token: string, now: Date): Promise<ManageLinkOutcome> {
  const userId = await userIdFromManageToken(keys, token, now);
  if (!userId) return "bad_link";
  return (await queueSignInEmail(db, userId, now)) ? "queued" : "not_queued";
}

/** The account with this address (case-insensitive), or null. */
export async function userByEmail(db: Db, email: string): Promise<UserRow | null> {
  const [user] = await db.select().from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`).limit(1);
  return user ?? null;
}
