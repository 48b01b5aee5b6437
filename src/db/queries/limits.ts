import { and, asc, desc, eq, inArray, isNull, or, sql } from "drizzle-orm";
import type { Tier } from "../../lib/tiers";
import { channels, notifications, users, watches } from "../schema";
import type { ChannelRow } from "../schema/channels";
import type { WatchRow } from "../schema/watches";
import type { Db } from "../types";

/**
 * What the tier limits count and write: the rules that decide (services/limits.ts) read these
 * and hand their plans to applyLimitPlans.
 */

/** Distinct platforms among the user's active watches. */
export async function activePlatforms(db: Db, userId: string): Promise<Set<string>> {
  const rows = await db
    .selectDistinct({ platform: watches.platform })
    .from(watches)
    .where(and(eq(watches.userId, userId), eq(watches.paused, false)));
  return new Set(rows.map((r) => r.platform));
}

/** Channels that count against the limit: active and pending ones. */
export async function countedChannels(db: Db, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(channels)
    .where(
      and(eq(channels.userId, userId), isNull(channels.deletedAt), inArray(channels.status, ["active", "pending_verification"])),
    );
  return row?.n ?? 0;
}

/** Locks the user row so concurrent creates cannot both pass a limit check. */
export async function lockUser(db: Db, userId: string) {
  const [u] = await db.select().from(users).where(eq(users.id, userId)).for("update");
  return u;
}

export interface LimitChanges {
  watchesPaused: number;
  watchesResumed: number;
  channelsPaused: number;
  channelsResumed: number;
  alertsSuppressed: number;
}

/**
 * What bringing one user in line with a tier would change — computed, not written, so the same
 * decision can be shown in advance (the trial-ending email) and applied (a downgrade).
 */
export interface LimitPlan {
  userId: string;
  tier: Tier;
  pauseWatches: WatchRow[];
  resumeWatches: WatchRow[];
  pauseChannels: ChannelRow[];
  resumeChannels: ChannelRow[];
  /** the tier has no same-day alerts: every pending alert of the user is suppressed */
  alertsLost: boolean;
}

/** Each user's watches and channels (deleted channels left out), two queries for any number of users. */
export async function loadLimitState(
  db: Db,
  userIds: readonly string[],
): Promise<Map<string, { watches: WatchRow[]; channels: ChannelRow[] }>> {
  const out = new Map(userIds.map((id) => [id, { watches: [] as WatchRow[], channels: [] as ChannelRow[] }]));
  if (userIds.length === 0) return out;
  const ids = [...userIds];
  const [ws, cs] = await Promise.all([
    db.select().from(watches).where(inArray(watches.userId, ids)).orderBy(asc(watches.createdAt), asc(watches.id)),
    db
      .select()
      .from(channels)
      .where(and(inArray(channels.userId, ids), isNull(channels.deletedAt)))
      .orderBy(desc(channels.isAccountEmail), asc(channels.createdAt), asc(channels.id)),
  ]);
  for (const w of ws) out.get(w.userId)?.watches.push(w);
  for (const c of cs) out.get(c.userId)?.channels.push(c);
  return out;
}

/**
 * Writes plans for any number of users in a handful of set-based statements, in the caller's
 * transaction (which should hold the users' rows locked, see lockUser).
 *
 * Alerts not yet sent to a user who no longer has alerts (or to a channel now paused) are not
 * sent — status `suppressed`, reason `tier_limit`; their events still reach the digest through
 * digest_items, which nothing here touches.
 */
export async function applyLimitPlans(db: Db, plans: readonly LimitPlan[], now: Date): Promise<LimitChanges> {
  const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
  const pauseW = plans.flatMap((p) => ids(p.pauseWatches));
  const resumeW = plans.flatMap((p) => ids(p.resumeWatches));
  const pauseC = plans.flatMap((p) => ids(p.pauseChannels));
  const resumeC = plans.flatMap((p) => ids(p.resumeChannels));
  const lostAlerts = plans.filter((p) => p.alertsLost).map((p) => p.userId);

  if (pauseW.length)
    await db.update(watches).set({ paused: true, pausedReason: "tier_limit" }).where(inArray(watches.id, pauseW));
  if (resumeW.length) await db.update(watches).set({ paused: false, pausedReason: null }).where(inArray(watches.id, resumeW));
  if (pauseC.length) {
    await db
      .update(channels)
      .set({ status: "paused", statusReason: "tier_limit", updatedAt: now })
      .where(inArray(channels.id, pauseC));
  }
  if (resumeC.length) {
    // back to where it was: a channel never confirmed is pending again, not active
    await db
      .update(channels)
      .set({
        status: sql`case when ${channels.verifiedAt} is null then 'pending_verification' else 'active' end`,
        statusReason: null,
        updatedAt: now,
      })
      .where(inArray(channels.id, resumeC));
  }

  let alertsSuppressed = 0;
  const suppressWhere = or(
    lostAlerts.length ? inArray(notifications.userId, lostAlerts) : undefined,
    pauseC.length ? inArray(notifications.channelId, pauseC) : undefined,
  );
  if (lostAlerts.length || pauseC.length) {
    const done = await db
      .update(notifications)
      .set({ status: "suppressed", statusReason: "tier_limit", groupOpen: false, updatedAt: now })
      .where(and(suppressWhere, eq(notifications.kind, "alert"), eq(notifications.status, "pending")))
      .returning({ id: notifications.id });
    alertsSuppressed = done.length;
  }
  return {
    watchesPaused: pauseW.length,
    watchesResumed: resumeW.length,
    channelsPaused: pauseC.length,
    channelsResumed: resumeC.length,
    alertsSuppressed,
  };
}
