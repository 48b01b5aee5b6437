import { lockUser } from "../db/queries/limits";
import { listUsers, type UserFilter } from "../db/queries/operator-lists";
import {
  deleteApiKeys,
  getUser,
  grantTrial,
  insertApiKey,
  insertUserWithKey,
  type StoredKey,
  updateUserRow,
  userByApiKeyHash,
} from "../db/queries/users";
import type { UserRow } from "../db/schema/users";
import type { Db } from "../db/types";
import { randomToken, sha256Hex } from "../lib/crypto";
import { nextDigestAt } from "../lib/digest-schedule";
import { ApiError, isUniqueViolation, notFound } from "../lib/errors";
import { newId } from "../lib/ids";
import { decodeCursor, type Page, page } from "../lib/pagination";
import { effectiveTier, type Tier, TRIAL_DAYS, TRIAL_TIER, type TrialTier } from "../lib/tiers";
import { addDays } from "../lib/time";
import { applyTierLimits } from "./limits";
import { type PreferencesPatch, updatePreferences } from "./preferences";

/**
 * Users: created by the operator (or a sign-up), found by their API key, their own settings and
 * key (`/v1/me`), and the operator's changes of tier and trial.
 */
export type { UserFilter } from "../db/queries/operator-lists";
export type { UserRow } from "../db/schema/users";
export type { PreferencesPatch } from "./preferences";

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

/** `cw_` + 256 random bits; shown once, stored as SHA-256. */
async function mintApiKey(): Promise<StoredKey & { key: string }> {
  const key = `cw_${randomToken(32)}`;
  return { key, hash: await sha256Hex(key), prefix: key.slice(0, 7) };
}

/** The user an API key belongs to (only its SHA-256 is stored, so the lookup is by hash), or undefined. */
export async function userByApiKey(db: Db, apiKey: string): Promise<UserRow | undefined> {
  return userByApiKeyHash(db, await sha256Hex(apiKey));
}

/** The trial the user gets: null when none was asked for, or when the address had its one trial and `skip` says go on without. */
async function trialToStart(db: Db, input: NewUser, now: Date): Promise<TrialTier | null> {
  if (!input.trial || (await grantTrial(db, input.email, input.trial, now))) return input.trial;
  if (input.trialTaken !== "skip") throw new ApiError("conflict", "trial: this address has already had its one trial");
  return null;
}

/** Creates the user, their API key and the account email channel (and records a trial) in one transaction. */
export async function createUser(db: Db, input: NewUser, now: Date): Promise<{ user: UserRow; apiKey: string }> {
  const key = await mintApiKey();
  const id = newId("usr");
  try {
    const user = await db.transaction(async (tx) => {
      const trial = await trialToStart(tx, input, now);
      const row = {
        id,
        email: input.email,
        tier: input.tier,
        timezone: input.timezone,
        trialEndsAt: trial ? addDays(now, TRIAL_DAYS) : null,
        trialTier: trial,
        digestPeriodStart: now,
        nextDigestAt: nextDigestAt("mon", 9, input.timezone, now),
        createdAt: now,
        updatedAt: now,
      };
      return insertUserWithKey(tx, row, key, now);
    });
    return { user, apiKey: key.key };
  } catch (e) {
    if (isUniqueViolation(e, "users_email_key")) throw new ApiError("conflict", "email: a user with this address exists");
    throw e;
  }
}

/** `POST /v1/admin/users`: `trial` is `true` (a Watcher trial), false, or the trial's tier. */
export async function createUserAsOperator(
  db: Db,
  body: { email: string; tier: Tier; timezone: string; trial: boolean | TrialTier },
  now: Date,
): Promise<{ user: UserRow; apiKey: string }> {
  const trial = body.trial === true ? TRIAL_TIER : body.trial === false ? null : body.trial;
  if (trial && body.tier !== "free") throw new ApiError("invalid_request", "trial: only a free user can start a trial");
  return createUser(db, { ...body, trial, trialTaken: "reject" }, now);
}

/** The user, or 404. */
export async function userById(db: Db, id: string): Promise<UserRow> {
  const user = await getUser(db, id);
  if (!user) throw notFound("user");
  return user;
}

/** Users, newest first, filtered; `cursor` is the previous page's next_cursor. */
export async function usersPage(db: Db, filter: UserFilter, cursor: string | undefined, limit: number): Promise<Page<UserRow>> {
  const rows = await listUsers(db, filter, limit, decodeCursor(cursor));
  return page(rows, limit, (u) => ({ at: u.createdAt, id: u.id }));
}

/** What the operator may change: the stored tier and the trial's end (null ends it). */
export interface OperatorUserPatch {
  tier?: Tier;
  trial_ends_at?: string | null;
}

/**
 * Changes a user's tier or trial; their watches and channels pause or resume at once (in the
 * same transaction, with the user's row locked). A trial the operator starts by date alone is a
 * Watcher trial, and it counts as the address's one trial (sign-ups will not start another).
 */
export async function updateUserAsOperator(db: Db, id: string, patch: OperatorUserPatch, now: Date): Promise<UserRow> {
  return db.transaction(async (tx) => {
    const current = await lockUser(tx, id);
    if (!current) throw notFound("user");
    const updated = await updateUserRow(tx, id, {
      ...(patch.tier ? { tier: patch.tier } : {}),
      ...(patch.trial_ends_at !== undefined ? { trialEndsAt: patch.trial_ends_at ? new Date(patch.trial_ends_at) : null } : {}),
      ...(patch.trial_ends_at && !current.trialTier ? { trialTier: TRIAL_TIER } : {}),
      updatedAt: now,
    });
    if (patch.trial_ends_at) await grantTrial(tx, updated.email, updated.trialTier ?? TRIAL_TIER, now);
    await applyTierLimits(tx, id, effectiveTier(updated, now), now);
    return updated;
  });
}

/** `PATCH /v1/me`: time zone, digest schedule, alert timing (nested objects merge). */
export function updateMe(db: Db, user: UserRow, patch: PreferencesPatch, now: Date): Promise<UserRow> {
  return updatePreferences(db, user, patch, now);
}

/** Replaces the user's key: the old one stops working in the same transaction. Returns the new key, shown once. */
export async function rotateApiKey(db: Db, userId: string, now: Date): Promise<string> {
  const key = await mintApiKey();
  await db.transaction(async (tx) => {
    await deleteApiKeys(tx, userId);
    await insertApiKey(tx, userId, key, now);
  });
  return key.key;
}
