import type { DigestPlan } from "../db/schema/digests";
import { ENTITLEMENTS, type Tier } from "../lib/tiers";

export interface EventFacts {
  id: string;
  severity_rank: number;
  platform_slug: string;
  occurred_at: Date;
  received_at: Date;
  regulations: string[];
}

const HIGHLIGHTS = 5;
const HIGH = 3;

const mostSevereFirst = (a: EventFacts, b: EventFacts) =>
  b.severity_rank - a.severity_rank || b.occurred_at.getTime() - a.occurred_at.getTime() || a.id.localeCompare(b.id);

/** What a digest period holds regardless of who reads it: shared by every user whose period is the same. */
interface PeriodView {
  coverage: { events: number; platforms: number };
  /** the period's high and critical events, most severe first (highlight candidates) */
  highs: EventFacts[];
}

/**
 * The user-independent part of a digest period, computed once per distinct period by the planner
 * (a weekly run closes the same period for most users).
 */
function periodView(periodEvents: EventFacts[], start: Date, end: Date): PeriodView {
  const s = start.getTime();
  const e = end.getTime();
  const inPeriod = periodEvents.filter((x) => x.received_at.getTime() > s && x.received_at.getTime() <= e);
  return {
    coverage: { events: inPeriod.length, platforms: new Set(inPeriod.map((x) => x.platform_slug)).size },
    highs: inPeriod.filter((x) => x.severity_rank >= HIGH).sort(mostSevereFirst),
  };
}

/**
 * Builds one user's digest from their pending items and the period's events (pure: the planner
 * loads, this decides). `view` is `periodView(periodEvents, start, end)`, passed in when several
 * users share the period.
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
  view?: PeriodView;
}): DigestPlan {
  const view = input.view ?? periodView(input.periodEvents, input.start, input.end);
  const own = new Set(input.items.map((e) => e.id));
  // highs is in order already, so the first ones not on the watchlist are the top ones
  const highlights: string[] = [];
  for (const e of view.highs) {
    if (highlights.length === HIGHLIGHTS) break;
    if (!own.has(e.id)) highlights.push(e.id);
  }
  const plan: DigestPlan = {
    period: { start: input.start.toISOString(), end: input.end.toISOString() },
    watchlist: [...input.items].sort(mostSevereFirst).map((e) => e.id),
    highlights,
    coverage: { ...view.coverage },
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

/** A chunk's facts for `planChunk`, loaded by the planner. */
export interface ChunkFacts {
  /** each user's pending digest items */
  itemsByUser: Map<string, EventFacts[]>;
  /** the events received after the chunk's earliest period start, up to the run's instant */
  periodEvents: EventFacts[];
  /** how many platforms each user watches (not paused) */
  watchedBy: Map<string, number>;
}

/** Each user's pending items as event facts; an item whose event has no facts is left out. */
export function groupItems(
  items: readonly { user_id: string; event_id: string }[],
  factsById: Map<string, EventFacts>,
): Map<string, EventFacts[]> {
  const byUser = new Map<string, EventFacts[]>();
  for (const it of items) {
    const facts = factsById.get(it.event_id);
    if (!facts) continue;
    const list = byUser.get(it.user_id);
    if (list) list.push(facts);
    else byUser.set(it.user_id, [facts]);
  }
  return byUser;
}

/**
 * Plans a chunk of users' digests, each period from its user's `start` to `end` (pure), in the
 * users' order. One period view per distinct start (usually one: everyone's last digest was a
 * week ago).
 */
export function planChunk(users: readonly { id: string; tier: Tier; start: Date }[], facts: ChunkFacts, end: Date): DigestPlan[] {
  const views = new Map<number, PeriodView>();
  const viewFor = (start: Date) => {
    let v = views.get(start.getTime());
    if (!v) {
      v = periodView(facts.periodEvents, start, end);
      views.set(start.getTime(), v);
    }
    return v;
  };
  return users.map((u) =>
    planDigest({
      tier: u.tier,
      items: facts.itemsByUser.get(u.id) ?? [],
      periodEvents: facts.periodEvents,
      watchedPlatforms: facts.watchedBy.get(u.id) ?? 0,
      start: u.start,
      end,
      view: viewFor(u.start),
    }),
  );
}
