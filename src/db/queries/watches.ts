import { and, asc, eq } from "drizzle-orm";
import { sha256Hex } from "../../lib/crypto";
import { ApiError, isUniqueViolation, notFound } from "../../lib/errors";
import { ENTITLEMENTS, effectiveTier, type Severity, severityRank } from "../../lib/tiers";
import { watches } from "../schema";
import type { UserRow } from "../schema/users";
import type { WatchRow } from "../schema/watches";
import type { Db } from "../types";
import { activePlatforms, lockUser, platformLimitMessage, watchFeatureProblem } from "./limits";

/**
 * The watchlist's rules, shared by the API (routes/watchlist.ts) and the preference page: tier
 * first, then what the watch itself needs, and an identical watch is a 409. Each function runs
 * its own transaction with the user's row locked, so concurrent adds cannot both pass a limit.
 */
export type WatchShape = Pick<WatchRow, "platform" | "document" | "provision" | "minSeverity" | "categories">;

export interface WatchPatch {
  min_severity?: Severity | null;
  categories?: string[] | null;
  paused?: boolean;
}

/** The canonical form of what a watch matches; unique per user. */
export const watchFingerprint = (w: WatchShape): Promise<string> =>
  sha256Hex(JSON.stringify([w.platform, w.document, w.provision, w.minSeverity, w.categories]));

/** Throws 403 `tier_limit` when the tier does not allow this watch; an empty platform skips the count. */
export async function checkWatchTier(
  db: Db,
  user: Pick<UserRow, "id" | "tier" | "trialEndsAt" | "trialTier">,
  w: WatchShape,
  now: Date,
) {
  const tier = effectiveTier(user, now);
  const problem = watchFeatureProblem(tier, w);
  if (problem) throw new ApiError("tier_limit", problem);
  if (!w.platform) return;
  // An active watch being changed is already counted; a paused one being resumed is not.
  const platforms = await activePlatforms(db, user.id);
  if (!platforms.has(w.platform) && platforms.size >= ENTITLEMENTS[tier].maxPlatforms) {
    throw new ApiError("tier_limit", platformLimitMessage(tier));
  }
}

/** Tier first (403 whatever else is wrong), then what the watch itself needs (400). */
async function checkWatch(db: Db, user: UserRow, w: WatchShape, now: Date) {
  await checkWatchTier(db, user, w, now);
  if (w.provision && !w.document) throw new ApiError("invalid_request", "document: a provision watch names its document");
  if (w.platform === "*" && !w.categories) throw new ApiError("invalid_request", 'categories: a "*" watch needs categories');
}

const conflict = (e: unknown): never => {
  if (isUniqueViolation(e, "watches_user_fingerprint_key")) throw new ApiError("conflict", "an identical watch exists");
  throw e;
};

/** The user's watch, or 404 (also when it is another user's). */
export async function ownWatch(db: Db, userId: string, id: string): Promise<WatchRow> {
  const [w] = await db
    .select()
    .from(watches)
    .where(and(eq(watches.id, id), eq(watches.userId, userId)))
    .limit(1);
  if (!w) throw notFound("watch");
  return w;
}

/** Every watch of the user, oldest first (the page shows them all; the API pages). */
export function listWatches(db: Db, userId: string): Promise<WatchRow[]> {
  return db.select().from(watches).where(eq(watches.userId, userId)).orderBy(asc(watches.createdAt), asc(watches.id));
}

/** @example await createWatch(db, user.id, { platform: "anthropic", document: null, provision: null, minSeverity: null, categories: null }, now) */
export async function createWatch(db: Db, userId: string, shape: WatchShape, now: Date): Promise<WatchRow> {
  const fp = await watchFingerprint(shape);
  try {
    return await db.transaction(async (tx) => {
      const user = await lockUser(tx, userId);
      if (!user) throw notFound("user");
      await checkWatch(tx, user, shape, now);
      const [w] = await tx
        .insert(watches)
        .values({
          userId: user.id,
          ...shape,
          minSeverityRank: shape.minSeverity ? severityRank(shape.minSeverity) : 0,
          fingerprint: fp,
          createdAt: now,
        })
        .returning();
      return w;
    });
  } catch (e) {
    return conflict(e);
  }
}

/** Changes a watch's filters or pauses/resumes it; what it targets never changes. */
export async function updateWatch(db: Db, userId: string, id: string, patch: WatchPatch, now: Date): Promise<WatchRow> {
  try {
    return await db.transaction(async (tx) => {
      const user = await lockUser(tx, userId);
      if (!user) throw notFound("user");
      const w = await ownWatch(tx, user.id, id);
      const shape: WatchShape = {
        platform: w.platform,
        document: w.document,
        provision: w.provision,
        minSeverity: patch.min_severity !== undefined ? patch.min_severity : w.minSeverity,
        categories: patch.categories !== undefined ? patch.categories : w.categories,
      };
      const paused = patch.paused ?? w.paused;
      if (!paused) await checkWatch(tx, user, shape, now);
      const [updated] = await tx
        .update(watches)
        .set({
          ...shape,
          minSeverityRank: shape.minSeverity ? severityRank(shape.minSeverity) : 0,
          fingerprint: await watchFingerprint(shape),
          paused,
          pausedReason: paused ? (patch.paused ? "user" : w.pausedReason) : null,
        })
        .where(eq(watches.id, w.id))
        .returning();
      return updated;
    });
  } catch (e) {
    return conflict(e);
  }
}

/** Stops watching; another user's watch is a 404 and stays. */
export async function deleteWatch(db: Db, userId: string, id: string): Promise<void> {
  const gone = await db
    .delete(watches)
    .where(and(eq(watches.id, id), eq(watches.userId, userId)))
    .returning({ id: watches.id });
  if (!gone.length) throw notFound("watch");
}
