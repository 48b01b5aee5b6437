import { capitalise, plural } from "../../../lib/format";
import { ENTITLEMENTS, type Entitlements, TIERS, type Tier } from "../../../lib/tiers";

/**
 * The tier table (lib/tiers.ts) in words, for people rather than programs: what a plan includes
 * and what the next one adds. Read from ENTITLEMENTS, so the page can never promise what the
 * API refuses.
 */
export const planName = (t: Tier) => capitalise(t);

export function platformsLine(e: Entitlements): string {
  return Number.isFinite(e.maxPlatforms) ? `Watch up to ${plural(e.maxPlatforms, "platform")}` : "Watch any number of platforms";
}

function granularityLine(e: Entitlements): string {
  if (e.granularity.includes("provision")) return "whole platforms, single documents or single provisions";
  if (e.granularity.includes("document")) return "whole platforms or single documents";
  return "whole platforms only";
}

function filtersLine(e: Entitlements): string | null {
  if (e.filters.includes("categories")) return "Filter watches by minimum severity and by category";
  if (e.filters.includes("min_severity")) return "Filter watches by minimum severity";
  return null;
}

export function channelsLine(e: Entitlements): string {
  if (e.channelTypes.length === 0) return "Delivery to your account email only";
  return `Delivery to up to ${e.maxChannels} channels (email, Slack, webhook), your account email included`;
}

/** What a plan includes, one short sentence each. */
export function planFeatures(tier: Tier): string[] {
  const e = ENTITLEMENTS[tier];
  return [
    `${platformsLine(e)}: ${granularityLine(e)}`,
    filtersLine(e),
    e.sameDayAlerts ? "Same-day alerts when something you watch changes" : "No same-day alerts",
    "A weekly digest",
    e.summaries === "structured" ? "Which provisions changed, with severity and evidence" : "Headlines only in summaries",
    e.regulations ? "Regulatory mapping (GDPR, CCPA, …) in summaries" : null,
    channelsLine(e),
    e.timeline ? "Change timeline and audit export" : null,
  ].filter((x): x is string => x !== null);
}

export const nextTier = (tier: Tier): Tier | null => TIERS[TIERS.indexOf(tier) + 1] ?? null;

/** "Watcher adds: …" — what the next plan offers beyond this one, or null on the top plan. */
export function upgradeLine(tier: Tier): string | null {
  const next = nextTier(tier);
  if (!next) return null;
  const have = new Set(planFeatures(tier));
  const more = planFeatures(next).filter((f) => !have.has(f) && !f.startsWith("No "));
  return `${planName(next)} adds: ${more.join("; ")}.`;
}

/** One sentence on what the next plan allows, aimed at the limit just hit (a 403 `tier_limit` message). */
export function limitHint(tier: Tier, message: string): string | null {
  const next = nextTier(tier);
  if (!next) return null;
  const e = ENTITLEMENTS[next];
  const plan = `The ${planName(next)} plan`;
  if (/platform/.test(message) && !/watches at .* level|"\*"|filter/.test(message)) {
    return `${plan} ${Number.isFinite(e.maxPlatforms) ? `watches up to ${plural(e.maxPlatforms, "platform")}` : "watches any number of platforms"}.`;
  }
  if (/channel|account email/.test(message)) {
    return `${plan} delivers to up to ${e.maxChannels} channels (email, Slack, webhook), your account email included.`;
  }
  return upgradeLine(tier);
}
