/**
 * The product's entitlements: the contract's tier table, kept here and nowhere else.
 * Code asks this table ("may this tier…?"); SQL on hot paths gets lists generated from it.
 */
export const TIERS = ["free", "watcher", "professional"] as const;
export type Tier = (typeof TIERS)[number];

export type Granularity = "platform" | "document" | "provision";
export type WatchFilter = "min_severity" | "categories";
export type ChannelType = "email" | "slack" | "webhook";

export interface Entitlements {
  /** distinct platforms on the watchlist (`"*"` counts as one) */
  maxPlatforms: number;
  granularity: readonly Granularity[];
  filters: readonly WatchFilter[];
  /** may watch every platform with `"*"` (needs `categories`) */
  wildcardPlatform: boolean;
  sameDayAlerts: boolean;
  weeklyDigest: boolean;
  /** "headlines": no per-provision detail in summaries */
  summaries: "headlines" | "structured";
  regulations: boolean;
  /** channel types a user may add beyond the account email */
  channelTypes: readonly ChannelType[];
  /** channels counted with the account email; active and pending count, paused/disabled don't */
  maxChannels: number;
  timeline: boolean;
  auditExport: boolean;
}

export const ENTITLEMENTS: Record<Tier, Entitlements> = {
  free: {
    maxPlatforms: 1,
    granularity: ["platform"],
    filters: [],
    wildcardPlatform: false,
    sameDayAlerts: false,
    weeklyDigest: true,
    summaries: "headlines",
    regulations: false,
    channelTypes: [],
    maxChannels: 1,
    timeline: false,
    auditExport: false,
  },
  watcher: {
    maxPlatforms: 10,
    granularity: ["platform", "document"],
    filters: ["min_severity"],
    wildcardPlatform: false,
    sameDayAlerts: true,
    weeklyDigest: true,
    summaries: "structured",
    regulations: false,
    channelTypes: ["email", "slack", "webhook"],
    maxChannels: 3,
    timeline: false,
    auditExport: false,
  },
  professional: {
    maxPlatforms: Number.POSITIVE_INFINITY,
    granularity: ["platform", "document", "provision"],
    filters: ["min_severity", "categories"],
    wildcardPlatform: true,
    sameDayAlerts: true,
    weeklyDigest: true,
    summaries: "structured",
    regulations: true,
    channelTypes: ["email", "slack", "webhook"],
    maxChannels: 20,
    timeline: true,
    auditExport: true,
  },
};

/** The tiers a trial can lift a free user to (`trial: "watcher" | "professional"`). */
export const TRIAL_TIERS = ["watcher", "professional"] as const;
export type TrialTier = (typeof TRIAL_TIERS)[number];
/** `trial: true`, and a trial the operator starts by setting `trial_ends_at` alone */
export const TRIAL_TIER: TrialTier = "watcher";
export const TRIAL_DAYS = 14;

/** The tier in force: a running trial lifts a free user to its tier (Watcher when none is recorded). */
export function effectiveTier(user: { tier: Tier; trialEndsAt: Date | null; trialTier: TrialTier | null }, now: Date): Tier {
  if (user.tier === "free" && user.trialEndsAt && user.trialEndsAt.getTime() > now.getTime()) {
    return user.trialTier ?? TRIAL_TIER;
  }
  return user.tier;
}

/** Tiers whose users get same-day alerts, for the fan-out SQL. */
export const ALERT_TIERS: Tier[] = TIERS.filter((t) => ENTITLEMENTS[t].sameDayAlerts);

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s) + 1;

export function describeLimit(n: number): string {
  return Number.isFinite(n) ? String(n) : "unlimited";
}
