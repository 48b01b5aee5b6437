import { and, eq, gt, isNull } from "drizzle-orm";
import { oauthStates } from "../schema";
import type { Db } from "../types";

export async function insertOauthState(db: Db, nonce: string, userId: string, now: Date): Promise<void> {
  await db.insert(oauthStates).values({ nonce, userId, createdAt: now });
}

/**
 * Spends the user's state nonce if it is unused and was issued after `issuedAfter`: one
 * conditional UPDATE, so a state works once, also when two callbacks race. False when nothing was spent.
 */
export async function spendOauthState(db: Db, nonce: string, userId: string, issuedAfter: Date, now: Date): Promise<boolean> {
  const spent = await db
    .update(oauthStates)
    .set({ usedAt: now })
    .where(
      and(
        eq(oauthStates.nonce, nonce),
        eq(oauthStates.userId, userId),
        isNull(oauthStates.usedAt),
        gt(oauthStates.createdAt, issuedAfter),
      ),
    )
    .returning({ userId: oauthStates.userId });
  return spent.length > 0;
}
