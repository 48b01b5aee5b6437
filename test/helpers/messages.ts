import type { OutboundMessage } from "../../src/delivery/types";
import type { ChangeEvent } from "../../src/lib/event-schema";
import type { ChangeSummary, DigestContent, MessageContent } from "../../src/lib/messages";
import { toChangeSummary } from "../../src/lib/summary";
import type { Tier } from "../../src/lib/tiers";
import { fixtures } from "./events";

/** Links as the dispatcher makes them (a token with characters that need escaping in HTML). */
export const links: ChangeSummary["links"] = {
  manage: "https://clausewatch.test/preferences?token=pref.tok_AbC-123",
  unsubscribe: "https://clausewatch.test/unsubscribe/unsub.tok_XyZ-789",
};

export const fixtureNames = Object.keys(fixtures);

export const summariesOf = (tier: Tier, events: ChangeEvent[] = Object.values(fixtures)): ChangeSummary[] =>
  events.map((e) => toChangeSummary(e, tier, links));

export function outbound(content: MessageContent, tier: Tier = "professional"): OutboundMessage {
  return {
    id: `ntf_${content.kind}_1`,
    kind: content.kind,
    createdAt: new Date("2026-05-15T09:00:00.000Z"),
    attempt: 0,
    user: { id: "usr_1", email: "reader@example.com", tier, timezone: "Europe/Berlin" },
    channel: { id: "chn_1", type: "email", target: "reader@example.com", secret: null },
    content,
    links,
  };
}

export const alertMessage = (tier: Tier, events: ChangeEvent[]) =>
  outbound({ kind: "alert", events: summariesOf(tier, events) }, tier);

/** A digest the way the planner fills one: every fixture, counted, exposure for professional only. */
export function digestContent(tier: Tier, events: ChangeEvent[] = Object.values(fixtures)): DigestContent {
  const watchlist = summariesOf(tier, events);
  const exposure = new Map<string, number>();
  for (const c of events.flatMap((e) => e.changes))
    for (const r of c.regulations ?? []) exposure.set(r, (exposure.get(r) ?? 0) + 1);
  const platforms = new Set(events.map((e) => e.platform.slug)).size;
  return {
    kind: "digest",
    period: { start: "2026-05-08T09:00:00.000Z", end: "2026-05-15T09:00:00.000Z" },
    watchlist,
    highlights: watchlist.filter((s) => s.severity === "critical" || s.severity === "high"),
    coverage: { events: events.length, platforms },
    ...(tier === "professional"
      ? { regulatory_exposure: [...exposure].map(([regulation, changes]) => ({ regulation, changes })) }
      : {}),
    watched_platforms: Math.max(platforms, 1),
  };
}

/** `n` distinct copies of a fixture, minutes apart, so sorting and capping have something to do. */
export function manyEvents(n: number, over: (i: number) => Partial<ChangeEvent> = () => ({})): ChangeEvent[] {
  const base = fixtures["01-anthropic-ai-training"];
  return Array.from({ length: n }, (_, i) => ({
    ...structuredClone(base),
    id: `evt_many_${i}`,
    occurred_at: new Date(Date.UTC(2026, 4, 9, 12, i)).toISOString(),
    platform: { slug: `platform-${i % 40}`, name: `Platform ${i % 40}` },
    ...over(i),
  }));
}
