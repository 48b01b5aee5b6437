import { eq } from "drizzle-orm";
import { sha256Hex } from "../../lib/crypto";
import type { TrialTier } from "../../lib/tiers";
import { apiKeys, channels, trialGrants, users } from "../schema";
import type { UserRow } from "../schema/users";
import type { Db } from "../types";

/** A users row to insert: the caller has decided the tier, trial and schedule. */
export type NewUserRow = typeof users.$inferInsert;

/** A users row's columns a caller may change. */
export type UserChanges = Partial<Omit<NewUserRow, "id" | "email" | "createdAt">>;

/** An API key as stored: its SHA-256 and its first characters (for recognising it). */
export interface StoredKey {
  hash: string;
  prefix: string;
}

export async function emailFingerprint(address: string): Promise<string> {
  return sha256Hex(`email:${address.toLowerCase()}`);
}

/**
 * Records the address's one trial, ever; false when it had one already. Inside the caller's
 * transaction: the primary key decides between racing requests.
 */
export async function grantTrial(db: Db, email: string, tier: TrialTier, now: Date): Promise<boolean> {
  const granted = await db
    .insert(trialGrants)
    .values({ fingerprint: await emailFingerprint(email), tier, grantedAt: now })
    .onConflictDoNothing()
    .returning({ fingerprint: trialGrants.fingerprint });
  return granted.length > 0;
}

/** Inserts the user, their API key and their account email channel (active: the address is the account's). */
export async function insertUserWithKey(db: Db, row: NewUserRow & { id: string }, key: StoredKey, now: Date): Promise<UserRow> {
  const [user] = await db.insert(users).values(row).returning();
  await insertApiKey(db, user.id, key, now);
  await db.insert(channels).values({
    userId: user.id,
    type: "email",
    target: user.email,
    fingerprint: await emailFingerprint(user.email),
    status: "active",
    isAccountEmail: true,
    verifiedAt: now,
    createdAt: now,
    updatedAt: now,
  });
  return user;
}

export async function getUser(db: Db, id: string): Promise<UserRow | undefined> {
  const [u] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return u;
}

/** The user whose API key hashes to `keyHash`, or undefined. */
export async function userByApiKeyHash(db: Db, keyHash: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select({ user: users })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.keyHash, keyHash))
    .limit(1);
  return row?.user;
}

export async function updateUserRow(db: Db, id: string, changes: UserChanges): Promise<UserRow> {
  const [u] = await db.update(users).set(changes).where(eq(users.id, id)).returning();
  return u;
}

export async function insertApiKey(db: Db, userId: string, key: StoredKey, now: Date): Promise<void> {
  await db.insert(apiKeys).values({ userId, keyHash: key.hash, prefix: key.prefix, createdAt: now });
}

export async function deleteApiKeys(db: Db, userId: string): Promise<void> {
  await db.delete(apiKeys).where(eq(apiKeys.userId, userId));
}
