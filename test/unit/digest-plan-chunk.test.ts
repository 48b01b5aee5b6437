import { describe, expect, it } from "vitest";
import { type EventFacts, groupItems, planChunk, planDigest } from "../../src/digest/plan";

const day = (d: number) => new Date(Date.UTC(2025, 2, d));
const fact = (id: string, received: number, severity_rank = 1, platform_slug = "p1"): EventFacts => ({
  id,
  severity_rank,
  platform_slug,
  occurred_at: day(received),
  received_at: day(received),
  regulations: [],
});

describe("groupItems", () => {
  it("groups each user's items as facts, leaving out items without facts", () => {
    const facts = new Map([
      ["e1", fact("e1", 2)],
      ["e2", fact("e2", 3)],
    ]);
    const grouped = groupItems(
      [
        { user_id: "u1", event_id: "e1" },
        { user_id: "u2", event_id: "e2" },
        { user_id: "u1", event_id: "e2" },
        { user_id: "u2", event_id: "gone" },
      ],
      facts,
    );
    expect([...grouped.keys()]).toEqual(["u1", "u2"]);
    expect(grouped.get("u1")?.map((e) => e.id)).toEqual(["e1", "e2"]);
    expect(grouped.get("u2")?.map((e) => e.id)).toEqual(["e2"]);
  });
});

describe("planChunk", () => {
  it("plans each user as planDigest would, in the users' order, each over their own period", () => {
    const periodEvents = [fact("e1", 2, 4), fact("e2", 5, 3, "p2"), fact("e3", 9, 1)];
    const facts = {
      itemsByUser: new Map([["u1", [periodEvents[2]]]]),
      periodEvents,
      watchedBy: new Map([["u1", 2]]),
    };
    const users = [
      { id: "u1", tier: "professional" as const, start: day(1) },
      { id: "u2", tier: "free" as const, start: day(4) },
    ];
    const end = day(10);
    const plans = planChunk(users, facts, end);
    expect(plans).toEqual([
      planDigest({ tier: "professional", items: [periodEvents[2]], periodEvents, watchedPlatforms: 2, start: day(1), end }),
      planDigest({ tier: "free", items: [], periodEvents, watchedPlatforms: 0, start: day(4), end }),
    ]);
    // u2's period starts after e1: it is neither counted nor highlighted
    expect(plans[1].coverage).toEqual({ events: 2, platforms: 2 });
    expect(plans[1].highlights).toEqual(["e2"]);
  });
});
