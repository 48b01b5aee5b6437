import { activePlatforms, lockUser } from "../db/queries/limits";
import {
  deleteWatchRow,
  findWatch,
  insertWatch,
  listWatches,
  updateWatchRow,
  type WatchShape,
  type WatchValues,
  watchesAfter,
} from "../db/queries/watches";
import type { UserRow } from "../db/schema/users";
import type { WatchRow } from "../db/schema/watches";
import type { Db } from "../db/types";
import { sha256Hex } from "../lib/crypto";
import { ApiError, isUniqueViolation, notFound } from "../lib/errors";
import { decodeCursor, type Page, page } from "../lib/pagination";
import { ENTITLEMENTS, effectiveTier, type Severity, severityRank } from "../lib/tiers";
import { platformLimitMessage, watchFeatureProblem } from "./limits";

/**
 * The watchlist's rules, shared by the API (routes/watchlist) and the preference page: tier
 * first, then what the watch itself needs, and an identical watch is a 409. Each write runs its
 * own transaction with the user's row locked, so concurrent adds cannot both pass a limit.
 */
export type { WatchShape } from "../db/queries/watches";
export type { WatchRow } from "../db/schema/watches";
export { listWatches };

export interface WatchPatch {
  min_severity?: Severity | null;
  categories?: string[] | null;
  paused?: boolean;
}

/** The canonical form of what a watch matches; unique per user. */
const watchFingerprint = (w: WatchShape): Promise<string> =>
  sha256Hex(JSON.stringify([w.platform, w.document, w.provision, w.minSeverity, w.categories]));

/** The shape with what a write derives from it: the severity rank the fan-out compares, the fingerprint. */
async function watchValues(shape: WatchShape): Promise<WatchValues> {
  return {
    ...shape,
    minSeverityRank: shape.minSeverity ? severityRank(shape.minSeverity) : 0,
    fingerprint: await watchFingerprint(shape),
  };
}

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

/**
 * The shape a request body asks for, judged by which fields are present: enough to know the tier
 * cannot have it even when the values are malformed. A PATCH cannot change what a watch targets.
 */
function requestedShape(body: unknown, patch: boolean): WatchShape | null {
  if (!body || typeof body !== "object" || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  const has = (k: string) => b[k] !== undefined && b[k] !== null;
  return {
    platform: !patch && typeof b.platform === "string" ? b.platform : "",
    document: !patch && has("document") ? "-" : null,
    provision: !patch && has("provision") ? "-" : null,
    minSeverity: has("min_severity") ? "low" : null,
    categories: has("categories") ? [] : null,
  };
}

/**
 * "Tier limits are checked before anything else about a request": for a body that failed
 * validation, throws 403 `tier_limit` when the tier could never allow what it asks for, and
 * returns otherwise (the caller then answers 400).
 */
export async function checkRequestedWatchTier(db: Db, user: UserRow, body: unknown, patch: boolean, now: Date): Promise<void> {
  const shape = requestedShape(body, patch);
  if (shape) await checkWatchTier(db, user, shape, now);
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
  const w = await findWatch(db, userId, id);
  if (!w) throw notFound("watch");
  return w;
}

/** A page of the user's watches, oldest first; `cursor` is the previous page's next_cursor. */
export async function watchesPage(db: Db, userId: string, cursor: string | undefined, limit: number): Promise<Page<WatchRow>> {
  const rows = await watchesAfter(db, userId, decodeCursor(cursor), limit);
  return page(rows, limit, (w) => ({ at: w.createdAt, id: w.id }));
}

/** @example await createWatch(db, user.id, { platform: "anthropic", document: null, provision: null, minSeverity: null, categories: null }, now) */
export async function createWatch(db: Db, userId: string, shape: WatchShape, now: Date): Promise<WatchRow> {
  const values = await watchValues(shape);
  try {
    return await db.transaction(async (tx) => {
      const user = await lockUser(tx, userId);
      if (!user) throw notFound("user");
      await checkWatch(tx, user, shape, now);
      return insertWatch(tx, user.id, values, now);
    });
  } catch (e) {
    return conflict(e);
  }
}

/** The watch after a patch: its filters and pause state change, what it targets never does. */
function patchedShape(w: WatchRow, patch: WatchPatch): WatchShape {
  return {
    platform: w.platform,
    document: w.document,
    provision: w.provision,
    minSeverity: patch.min_severity !== undefined ? patch.min_severity : w.minSeverity,
    categories: patch.categories !== undefined ? patch.categories : w.categories,
  };
}

/** Changes a watch's filters or pauses/resumes it; what it targets never changes. */
export async function updateWatch(db: Db, userId: string, id: string, patch: WatchPatch, now: Date): Promise<WatchRow> {
  try {
    return await db.transaction(async (tx) => {
      const user = await lockUser(tx, userId);
      if (!user) throw notFound("user");
      const w = await ownWatch(tx, user.id, id);
      const shape = patchedShape(w, patch);
      const paused = patch.paused ?? w.paused;
      if (!paused) await checkWatch(tx, user, shape, now);
      const pausedReason = paused ? (patch.paused ? "user" : w.pausedReason) : null;
      return updateWatchRow(tx, w.id, { ...(await watchValues(shape)), paused, pausedReason });
    });
  } catch (e) {
    return conflict(e);
  }
}

/** Stops watching; another user's watch is a 404 and stays. */
export async function deleteWatch(db: Db, userId: string, id: string): Promise<void> {
  if (!(await deleteWatchRow(db, userId, id))) throw notFound("watch");
}
