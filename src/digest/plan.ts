import { ENTITLEMENTS, type Tier } from "../lib/tiers";

/** What a digest carries, fixed when its period closes; summaries are rendered from the events at send time. */
export interface DigestPlan {
  period: { start: string; end: string };
  /** every matched event not in an earlier digest, most severe first */
  watchlist: string[];
  /** the period's top high/critical events across all platforms, not already in `watchlist` */
  highlights: string[];
  coverage: { events: number; platforms: number };
  /** professional only: the period's watchlist changes per regulation */
  regulatory_exposure?: { regulation: string; changes: number }[];
  watched_platforms: number;
}

export interface EventFacts {
  id: string;
  severity_rank: number;
  platform_slug: string;
  occurred_at: Date;
  received_at: Date;
  regulations: string[];
}

export const HIGHLIGHTS = 5;
const HIGH = 3;

const mostSevereFirst = (a: EventFacts, b: EventFacts) =>
  b.severity_rank - a.severity_rank || b.occurred_at.getTime() - a.occurred_at.getTime() || a.id.localeCompare(b.id);

/**
 * Builds one user's digest from their pending items and the period's events (pure: the planner
 * loads, this decides).
 *
 * @example planDigest({ tier: "free", items, periodEvents, watchedPlatforms: 1, start, end })
 */
export function planDigest(input: {
  tier: Tier;
  items: EventFacts[];
  periodEvents: EventFacts[];
  watchedPlatforms: number;
  start: Date;
  end: Date;
}): DigestPlan {
  const own = new Set(input.items.map((e) => e.id));
  const inPeriod = input.periodEvents.filter((e) => e.received_at > input.start && e.received_at <= input.end);
  const plan: DigestPlan = {
    period: { start: input.start.toISOString(), end: input.end.toISOString() },
    watchlist: [...input.items].sort(mostSevereFirst).map((e) => e.id),
    highlights: inPeriod
      .filter((e) => e.severity_rank >= HIGH && !own.has(e.id))
      .sort(mostSevereFirst)
      .slice(0, HIGHLIGHTS)
      .map((e) => e.id),
    coverage: { events: inPeriod.length, platforms: new Set(inPeriod.map((e) => e.platform_slug)).size },
    watched_platforms: input.watchedPlatforms,
  };
  if (ENTITLEMENTS[input.tier].regulations) {
    const per = new Map<string, number>();
    for (const e of input.items) for (const r of new Set(e.regulations)) per.set(r, (per.get(r) ?? 0) + 1);
    plan.regulatory_exposure = [...per]
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([regulation, changes]) => ({ regulation, changes }));
  }
  return plan;
}
