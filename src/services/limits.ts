import { applyLimitPlans, type LimitChanges, type LimitPlan, loadLimitState } from "../db/queries/limits";
import type { WatchShape } from "../db/queries/watches";
import type { ChannelRow } from "../db/schema/channels";
import type { WatchRow } from "../db/schema/watches";
import type { Db } from "../db/types";
import { describeLimit, ENTITLEMENTS, type Entitlements, type Granularity, type Tier, type WatchFilter } from "../lib/tiers";

/**
 * The tier limits' rules: what a tier may watch and where it may deliver, and what a change of
 * tier pauses or resumes. The queries they read and the writes that apply a plan are in
 * db/queries/limits.ts.
 */
export type { LimitChanges, LimitPlan } from "../db/queries/limits";

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

const byAge = <T extends { createdAt: Date; id: string }>(a: T, b: T) =>
  a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The pure half of the downgrade rules. Oldest first: what fits stays (or becomes again) active,
 * the rest is paused for `tier_limit`; the account email is kept before any other channel.
 * What the user paused or disabled themselves, and deleted channels, are left alone.
 *
 * @example planTierLimits(user.id, "free", watches, channels).pauseWatches // what would pause
 */
export function planTierLimits(userId: string, tier: Tier, ws: readonly WatchRow[], cs: readonly ChannelRow[]): LimitPlan {
  const e = ENTITLEMENTS[tier];
  const plan: LimitPlan = {
    userId,
    tier,
    pauseWatches: [],
    resumeWatches: [],
    pauseChannels: [],
    resumeChannels: [],
    alertsLost: !e.sameDayAlerts,
  };
  const platformsKept = new Set<string>();
  for (const w of [...ws].sort(byAge)) {
    if (w.paused && w.pausedReason !== "tier_limit") continue;
    const fits = watchFeatureProblem(tier, w) === null && (platformsKept.has(w.platform) || platformsKept.size < e.maxPlatforms);
    if (fits) platformsKept.add(w.platform);
    if (fits && w.paused) plan.resumeWatches.push(w);
    if (!fits && !w.paused) plan.pauseWatches.push(w);
  }

  const channelOrder = (a: ChannelRow, b: ChannelRow) => Number(b.isAccountEmail) - Number(a.isAccountEmail) || byAge(a, b);
  let kept = 0;
  for (const ch of [...cs].sort(channelOrder)) {
    if (ch.deletedAt) continue;
    const candidate =
      ch.status === "active" ||
      ch.status === "pending_verification" ||
      (ch.status === "paused" && ch.statusReason === "tier_limit");
    if (!candidate) continue;
    const fits = (ch.isAccountEmail || e.channelTypes.includes(ch.type)) && kept < e.maxChannels;
    if (fits) kept++;
    if (fits && ch.status === "paused") plan.resumeChannels.push(ch);
    if (!fits && ch.status !== "paused") plan.pauseChannels.push(ch);
  }
  return plan;
}

/** What a tier would pause or resume for one user, without writing anything. */
async function previewTierLimits(db: Db, userId: string, tier: Tier): Promise<LimitPlan> {
  const state = (await loadLimitState(db, [userId])).get(userId);
  return planTierLimits(userId, tier, state?.watches ?? [], state?.channels ?? []);
}

/**
 * Brings a user's watches and channels in line with a tier, in the caller's transaction:
 * plan (pure) then apply (set-based). Nothing is deleted.
 */
export async function applyTierLimits(db: Db, userId: string, tier: Tier, now: Date): Promise<LimitChanges> {
  return applyLimitPlans(db, [await previewTierLimits(db, userId, tier)], now);
}
