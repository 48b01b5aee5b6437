import { eq } from "drizzle-orm";
import { randomToken, sha256Hex } from "../../lib/crypto";
import { nextDigestAt } from "../../lib/digest-schedule";
import { ApiError, isUniqueViolation } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { type Tier, TRIAL_DAYS, type TrialTier } from "../../lib/tiers";
import { addDays } from "../../lib/time";
import { apiKeys, channels, trialGrants, users } from "../schema";
import type { UserRow } from "../schema/users";
import type { Db } from "../types";

export interface NewUser {
  email: string;
  tier: Tier;
  timezone: string;
  /** the trial to start (free users only), or null */
  trial: TrialTier | null;
  /**
   * When the address already had its one trial: `reject` answers 409 (the operator asked for it
   * explicitly), `skip` creates the user without one (a sign-up; the page says so).
   */
  trialTaken?: "reject" | "skip";
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

/** `cw_` + 256 random bits; shown once, stored as SHA-256. */
export async function mintApiKey(): Promise<{ key: string; hash: string; prefix: string }> {
  const key = `cw_${randomToken(32)}`;
  return { key, hash: await sha256Hex(key), prefix: key.slice(0, 7) };
}

export async function emailFingerprint(address: string): Promise<string> {
  return sha256Hex(`email:${address.toLowerCase()}`);
}

/** Creates the user, their API key and the account email channel (and records a trial) in one transaction. */
export async function createUser(db: Db, input: NewUser, now: Date): Promise<{ user: UserRow; apiKey: string }> {
  const key = await mintApiKey();
  const userId = newId("usr");
  const fp = await emailFingerprint(input.email);
  try {
    const user = await db.transaction(async (tx) => {
      let trial = input.trial;
      if (trial && !(await grantTrial(tx, input.email, trial, now))) {
        if (input.trialTaken !== "skip") throw new ApiError("conflict", "trial: this address has already had its one trial");
        trial = null;
      }
      const [user] = await tx
        .insert(users)
        .values({
          id: userId,
          email: input.email,
          tier: input.tier,
          timezone: input.timezone,
          trialEndsAt: trial ? addDays(now, TRIAL_DAYS) : null,
          trialTier: trial,
          digestPeriodStart: now,
          nextDigestAt: nextDigestAt("mon", 9, input.timezone, now),
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await tx.insert(apiKeys).values({ userId, keyHash: key.hash, prefix: key.prefix, createdAt: now });
      await tx.insert(channels).values({
        userId,
        type: "email",
        target: input.email,
        fingerprint: fp,
        status: "active",
        isAccountEmail: true,
        verifiedAt: now,
        createdAt: now,
        updatedAt: now,
      });
      return user;
    });
    return { user, apiKey: key.key };
  } catch (e) {
    if (isUniqueViolation(e, "users_email_key")) throw new ApiError("conflict", "email: a user with this address exists");
    throw e;
  }
}

export async function getUser(db: Db, id: string): Promise<UserRow | undefined> {
  const [u] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return u;
}

/** Replaces the user's key: the old one stops working in the same statement. */
export async function rotateApiKey(db: Db, userId: string, now: Date): Promise<string> {
  const key = await mintApiKey();
  await db.transaction(async (tx) => {
    await tx.delete(apiKeys).where(eq(apiKeys.userId, userId));
    await tx.insert(apiKeys).values({ userId, keyHash: key.hash, prefix: key.prefix, createdAt: now });
  });
  return key.key;
}
