import { and, eq, isNull, sql } from "drizzle-orm";
import { grantTrial } from "../db/queries/users";
import { channels, type SignupPlan, signups, users, watches } from "../db/schema";
import type { SignupRow } from "../db/schema/signups";
import type { UserRow } from "../db/schema/users";
import { instant } from "../db/sql";
import type { Db } from "../db/types";
import type { SignupConfirmPayload, WelcomePayload } from "../delivery/signup-notices";
import type { Keys } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { SIGNUP_LINK_HOURS } from "../lib/signup-link";
import { effectiveTier, type Tier, TRIAL_DAYS, type TrialTier } from "../lib/tiers";
import { addDays } from "../lib/time";
import { verifyToken } from "../lib/tokens";
import { reserveConfirmation } from "./confirmations";
import { applyTierLimits } from "./limits";
import { queueNotice } from "./notices";
import { queueSignInEmail, userByEmail } from "./sign-in";
import { createUser } from "./users";
import { createWatch } from "./watches";

/**
 * Public sign-up, double opt-in (contract: "Sign-up — public").
 *
 * `requestSignup` answers nothing about the address: for a new address and for one with an account
 * it does the same work (a `signups` row and a confirmation email through the outbox), so neither
 * the answer nor its timing tells them apart. The per-address cap on confirmation emails (shared
 * with channel confirmations) and the confirmation opt-out apply to both alike.
 *
 * `confirmSignup` runs when the confirmation page's button is pressed: the row is spent in the
 * statement that checks it is unspent, then a new address becomes a free user (trial and platform
 * as asked), or a known one gets what its plan allows. Only here, to whoever holds the link from
 * that inbox, is it said whether an account existed.
 */

export { SIGNUP_PLANS, type SignupPlan } from "../db/schema/signups";

export interface SignupRequest {
  email: string;
  platform: string | null;
  plan: SignupPlan;
  timezone: string | null;
}

const TRIAL_OF: Record<SignupPlan, TrialTier | null> = {
  free: null,
  watcher_trial: "watcher",
  professional_trial: "professional",
};

/** Expired requests removed per sign-up request: enough to keep up, small enough to stay cheap. */
const PURGE_BATCH = 100;

/**
 * Records the request and queues its confirmation email; answers whether an email was queued
 * (false when the address is capped or opted out — the caller says the same thing either way).
 */
export async function requestSignup(db: Db, req: SignupRequest, now: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Expired requests can never be confirmed: a bounded delete keeps the table to the live ones.
    await tx.execute(sql`delete from ${signups} where ${signups.id} in (
      select ${signups.id} from ${signups} where ${signups.expiresAt} < ${instant(now)} limit ${PURGE_BATCH})`);
    let verdict: "send" | "opted_out" | "capped";
    try {
      verdict = await reserveConfirmation(tx, req.email, now);
    } catch (e) {
      // three confirmations went to this address in 24 hours: the victim of a flood is left alone
      if (e instanceof ApiError && e.code === "rate_limited") verdict = "capped";
      else throw e;
    }
    if (verdict !== "send") return false;
    const [row] = await tx
      .insert(signups)
      .values({
        email: req.email,
        platform: req.platform,
        plan: req.plan,
        timezone: req.timezone,
        createdAt: now,
        expiresAt: new Date(now.getTime() + SIGNUP_LINK_HOURS * 3_600_000),
      })
      .returning({ id: signups.id });
    const payload: SignupConfirmPayload = {
      key: `signup:${row.id}`,
      notice: "signup_confirm",
      signup_id: row.id,
      address: req.email,
      plan: req.plan,
      timezone: req.timezone,
    };
    await queueNotice(tx, { userId: null, channelId: null }, payload, now);
    return true;
  });
}

/** The sign-up a valid link names, unspent and unexpired, or null; changes nothing (the GET page). */
async function pendingSignup(db: Db, id: string, now: Date) {
  const [row] = await db.select().from(signups).where(eq(signups.id, id)).limit(1);
  if (!row) return { state: "unknown" as const };
  if (row.usedAt) return { state: "used" as const };
  if (row.expiresAt.getTime() <= now.getTime()) return { state: "expired" as const };
  return { state: "pending" as const, signup: row };
}

/** Why a sign-up link does not work: damaged or expired (`damaged`), or used already (`spent`). */
export type SignupLinkProblem = "damaged" | "spent";

/**
 * The confirmation page's GET: the sign-up a link names and whether its address has an account
 * (only the inbox the link went to sees this); changes nothing.
 */
export async function readSignupLink(
  db: Db,
  keys: Keys,
  token: string,
  now: Date,
): Promise<{ problem: SignupLinkProblem } | { signup: SignupRow; known: boolean }> {
  const claims = await verifyToken(keys, "signup", token, now);
  if (!claims) return { problem: "damaged" };
  const found = await pendingSignup(db, claims.s, now);
  if (found.state === "used") return { problem: "spent" };
  if (found.state !== "pending") return { problem: "damaged" };
  return { signup: found.signup, known: (await userByEmail(db, found.signup.email)) !== null };
}

/** A confirmed sign-up, and whether a known address was also sent a sign-in link. */
export interface ConfirmedSignup {
  result: Exclude<ConfirmResult, { kind: "spent" }>;
  signInSent: boolean;
  /** something went into the outbox: the caller wakes the dispatcher */
  queued: boolean;
}

/**
 * The confirmation page's POST: confirms the sign-up the link names (once). A known address
 * proved it reads this inbox, so it gets a sign-in link there (at most a few an hour).
 */
export async function confirmSignupLink(
  db: Db,
  keys: Keys,
  token: string,
  now: Date,
): Promise<{ problem: SignupLinkProblem } | ConfirmedSignup> {
  const claims = await verifyToken(keys, "signup", token, now);
  if (!claims) return { problem: "damaged" };
  const result = await confirmSignup(db, claims.s, now);
  if (result.kind === "spent") return { problem: "spent" };
  const signInSent = result.kind === "existing" && (await queueSignInEmail(db, result.user.id, now));
  return { result, signInSent, queued: result.kind === "created" || signInSent };
}

/** What a platform in the sign-up came to. */
export type PlatformOutcome =
  | { kind: "none" }
  | { kind: "added"; platform: string }
  | { kind: "already"; platform: string }
  /** the plan in force (`tier`) does not allow another platform */
  | { kind: "limit"; platform: string; tier: Tier };

/** What a trial in the sign-up came to. */
export type TrialOutcome =
  | { kind: "none" }
  | { kind: "started"; tier: TrialTier; endsAt: Date }
  /** the address had its one trial already */
  | { kind: "refused"; tier: TrialTier }
  /** a paid plan, or a trial running: nothing to start */
  | { kind: "not_needed"; tier: TrialTier };

export type ConfirmResult =
  | { kind: "spent" }
  | { kind: "created"; user: UserRow; platform: PlatformOutcome; trial: TrialOutcome }
  | { kind: "existing"; user: UserRow; platform: PlatformOutcome; trial: TrialOutcome };

/**
 * Confirms the sign-up `id` (from a verified `signup` token) at `now`: once, whoever races. New
 * addresses also get the welcome email (queued here); the caller wakes the dispatcher.
 */
async function confirmSignup(db: Db, id: string, now: Date): Promise<ConfirmResult> {
  return db.transaction(async (tx) => {
    const [req] = await tx
      .update(signups)
      .set({ usedAt: now })
      .where(and(eq(signups.id, id), isNull(signups.usedAt), sql`${signups.expiresAt} > ${instant(now)}`))
      .returning();
    if (!req) return { kind: "spent" };
    const wanted = TRIAL_OF[req.plan];
    const known = await accountFor(tx, req.email);
    if (!known) {
      const created = await createNew(tx, req, wanted, now);
      if (created) return created;
    }
    const user = known ?? (await accountFor(tx, req.email));
    if (!user) throw new Error(`sign-up ${id}: the account for the address vanished while confirming`);
    return existing(tx, user, req.platform, wanted, now);
  });
}

async function accountFor(tx: Db, email: string): Promise<UserRow | undefined> {
  const [user] = await tx.select().from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`).for("update").limit(1);
  return user;
}

async function createNew(
  tx: Db,
  req: { email: string; platform: string | null; timezone: string | null },
  wanted: TrialTier | null,
  now: Date,
): Promise<ConfirmResult | null> {
  let user: UserRow;
  try {
    ({ user } = await createUser(
      tx,
      { email: req.email, tier: "free", timezone: req.timezone ?? "UTC", trial: wanted, trialTaken: "skip" },
      now,
    ));
  } catch (e) {
    // another sign-up for the address was confirmed a moment ago: treat it as the known account
    if (e instanceof ApiError && e.code === "conflict") return null;
    throw e;
  }
  const trial: TrialOutcome = !wanted
    ? { kind: "none" }
    : user.trialEndsAt
      ? { kind: "started", tier: wanted, endsAt: user.trialEndsAt }
      : { kind: "refused", tier: wanted };
  const platform = await addPlatform(tx, user, req.platform, now);
  const [account] = await tx
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.userId, user.id), eq(channels.isAccountEmail, true)))
    .limit(1);
  const payload: WelcomePayload = {
    key: "welcome",
    notice: "welcome",
    platform: platform.kind === "added" ? platform.platform : null,
    trial_tier: trial.kind === "started" ? trial.tier : null,
    trial_ends_at: trial.kind === "started" ? trial.endsAt.toISOString() : null,
    trial_refused: trial.kind === "refused",
  };
  await queueNotice(tx, { userId: user.id, channelId: account.id }, payload, now);
  return { kind: "created", user, platform, trial };
}

/** A known address: the trial if it never had one and is on the free plan, then the platform. */
async function existing(
  tx: Db,
  found: UserRow,
  platformSlug: string | null,
  wanted: TrialTier | null,
  now: Date,
): Promise<ConfirmResult> {
  let user = found;
  let trial: TrialOutcome = { kind: "none" };
  if (wanted) {
    const running = user.trialEndsAt !== null && user.trialEndsAt.getTime() > now.getTime();
    if (user.tier !== "free" || running) trial = { kind: "not_needed", tier: wanted };
    else if (!(await grantTrial(tx, user.email, wanted, now))) trial = { kind: "refused", tier: wanted };
    else {
      const endsAt = addDays(now, TRIAL_DAYS);
      [user] = await tx
        .update(users)
        .set({ trialTier: wanted, trialEndsAt: endsAt, updatedAt: now })
        .where(eq(users.id, user.id))
        .returning();
      // what the free plan paused comes back for the trial
      await applyTierLimits(tx, user.id, effectiveTier(user, now), now);
      trial = { kind: "started", tier: wanted, endsAt };
    }
  }
  const platform = await addPlatform(tx, user, platformSlug, now);
  return { kind: "existing", user, platform, trial };
}

/** Watches the whole platform if the plan in force allows; never throws for a tier limit. */
async function addPlatform(tx: Db, user: UserRow, slug: string | null, now: Date): Promise<PlatformOutcome> {
  if (!slug) return { kind: "none" };
  const [same] = await tx
    .select({ id: watches.id })
    .from(watches)
    .where(and(eq(watches.userId, user.id), eq(watches.platform, slug), isNull(watches.document), isNull(watches.provision)))
    .limit(1);
  if (same) return { kind: "already", platform: slug };
  try {
    await createWatch(tx, user.id, { platform: slug, document: null, provision: null, minSeverity: null, categories: null }, now);
    return { kind: "added", platform: slug };
  } catch (e) {
    if (e instanceof ApiError && e.code === "tier_limit") {
      return { kind: "limit", platform: slug, tier: effectiveTier(user, now) };
    }
    throw e;
  }
}
