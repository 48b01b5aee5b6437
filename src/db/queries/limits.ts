import { and, asc, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { describeLimit, ENTITLEMENTS, type Entitlements, type Granularity, type Tier, type WatchFilter } from "../../lib/tiers";
import { channels, notifications, users, watches } from "../schema";
import type { ChannelRow } from "../schema/channels";
import type { WatchRow } from "../schema/watches";
import type { Db } from "../types";

type WatchShape = Pick<WatchRow, "platform" | "document" | "provision" | "minSeverity" | "categories">;

const GRANULARITY_NAME: Record<Granularity, string> = {
  platform: "platform",
  document: "document",
  provision: "provision",
};
const minTierFor = (ok: (e: Entitlements) => boolean): Tier =>
  (Object.keys(ENTITLEMENTS) as Tier[]).find((t) => ok(ENTITLEMENTS[t])) ?? "professional";

/**
 * Why this tier may not have this watch at all (granularity, filters, wildcard), or null.
 * The platform count is checked separately, since it depends on the other watches.
 */
export function watchFeatureProblem(tier: Tier, w: WatchShape): string | null {
  const e = ENTITLEMENTS[tier];
  const granularity: Granularity = w.provision ? "provision" : w.document ? "document" : "platform";
  if (!e.granularity.includes(granularity)) {
    const need = minTierFor((x) => x.granularity.includes(granularity));
    return `${tier} tier watches at ${e.granularity.map((g) => GRANULARITY_NAME[g]).join("/")} level; ${granularity} watches need ${need}`;
  }
  if (w.platform === "*" && !e.wildcardPlatform) return `${tier} tier cannot watch every platform ("*"); that needs professional`;
  const filters: WatchFilter[] = [];
  if (w.minSeverity) filters.push("min_severity");
  if (w.categories) filters.push("categories");
  for (const f of filters) {
    if (!e.filters.includes(f)) return `${tier} tier has no ${f} filter; it needs ${minTierFor((x) => x.filters.includes(f))}`;
  }
  return null;
}

export function platformLimitMessage(tier: Tier): string {
  return `${tier} tier watches at most ${describeLimit(ENTITLEMENTS[tier].maxPlatforms)} platform${ENTITLEMENTS[tier].maxPlatforms === 1 ? "" : "s"}`;
}

export function channelLimitMessage(tier: Tier): string {
  const e = ENTITLEMENTS[tier];
  if (e.channelTypes.length === 0) return `${tier} tier delivers to the account email only`;
  return `${tier} tier allows at most ${describeLimit(e.maxChannels)} channels, the account email included`;
}

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
 * Brings a user's watches and channels in line with a tier, in the caller's transaction.
 * Oldest first: what fits stays (or becomes again) active, the rest is paused for `tier_limit`.
 * Nothing is deleted, and what the user paused or disabled themselves is left alone.
 */
export async function applyTierLimits(db: Db, userId: string, tier: Tier, now: Date): Promise<LimitChanges> {
  const e = ENTITLEMENTS[tier];
  const ws = await db.select().from(watches).where(eq(watches.userId, userId)).orderBy(asc(watches.createdAt), asc(watches.id));
  const platformsKept = new Set<string>();
  const pauseW: string[] = [];
  const resumeW: string[] = [];
  for (const w of ws) {
    if (w.paused && w.pausedReason !== "tier_limit") continue;
    const fits = watchFeatureProblem(tier, w) === null && (platformsKept.has(w.platform) || platformsKept.size < e.maxPlatforms);
    if (fits) platformsKept.add(w.platform);
    if (fits && w.paused) resumeW.push(w.id);
    if (!fits && !w.paused) pauseW.push(w.id);
  }

  const cs: ChannelRow[] = await db
    .select()
    .from(channels)
    .where(and(eq(channels.userId, userId), isNull(channels.deletedAt)))
    .orderBy(desc(channels.isAccountEmail), asc(channels.createdAt), asc(channels.id));
  let kept = 0;
  const pauseC: string[] = [];
  const resumeC: ChannelRow[] = [];
  for (const ch of cs) {
    const candidate =
      ch.status === "active" ||
      ch.status === "pending_verification" ||
      (ch.status === "paused" && ch.statusReason === "tier_limit");
    if (!candidate) continue;
    const fits = (ch.isAccountEmail || e.channelTypes.includes(ch.type)) && kept < e.maxChannels;
    if (fits) kept++;
    if (fits && ch.status === "paused") resumeC.push(ch);
    if (!fits && ch.status !== "paused") pauseC.push(ch.id);
  }

  if (pauseW.length)
    await db.update(watches).set({ paused: true, pausedReason: "tier_limit" }).where(inArray(watches.id, pauseW));
  if (resumeW.length) await db.update(watches).set({ paused: false, pausedReason: null }).where(inArray(watches.id, resumeW));
  if (pauseC.length) {
    await db
      .update(channels)
      .set({ status: "paused", statusReason: "tier_limit", updatedAt: now })
      .where(inArray(channels.id, pauseC));
  }
  for (const ch of resumeC) {
    await db
      .update(channels)
      .set({ status: ch.verifiedAt ? "active" : "pending_verification", statusReason: null, updatedAt: now })
      .where(eq(channels.id, ch.id));
  }

  // Alerts not yet sent to a user who no longer has alerts (or to a channel now paused) are not
  // sent; their events still reach the digest through digest_items.
  const suppressWhere = e.sameDayAlerts
    ? pauseC.length
      ? and(eq(notifications.userId, userId), inArray(notifications.channelId, pauseC))
      : undefined
    : eq(notifications.userId, userId);
  let alertsSuppressed = 0;
  if (suppressWhere) {
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
