import { describe, expect, it } from "vitest";
import { bySeverity, groupByPlatform, sortBySeverity, toChangeSummary } from "../../src/lib/summary";
import { TIERS } from "../../src/lib/tiers";
import { fixtures } from "../helpers/events";
import { links, summariesOf } from "../helpers/messages";

const events = Object.values(fixtures);
const withRegulations = events.filter((e) => e.changes.some((c) => c.regulations?.length));

describe("toChangeSummary: tier trimming", () => {
  it("free keeps the headline only: no changes, no provision detail anywhere", () => {
    for (const e of events) {
      const s = toChangeSummary(e, "free", links);
      expect(s.changes).toEqual([]);
      const json = JSON.stringify(s);
      for (const detail of ["provision", "before", "after", "regulations", "categories"])
        expect(json).not.toContain(`"${detail}"`);
      expect(s).toMatchObject({ id: e.id, type: e.type, severity: e.severity, summary: e.summary, links });
      expect(s.platform).toEqual(e.platform);
      expect(s.evidence.content_sha256).toBe(e.evidence.content_sha256);
    }
  });

  it("watcher keeps every provision change with its detail, but no regulations", () => {
    for (const e of events) {
      const s = toChangeSummary(e, "watcher", links);
      expect(s.changes).toHaveLength(e.changes.length);
      s.changes.forEach((c, i) => {
        const { regulations: _dropped, ...rest } = e.changes[i];
        expect(c).toEqual(rest);
        expect(c).not.toHaveProperty("regulations");
      });
    }
    expect(JSON.stringify(summariesOf("watcher"))).not.toContain('"regulations"');
  });

  it("only professional keeps regulations", () => {
    expect(withRegulations.length).toBeGreaterThan(0);
    for (const e of withRegulations) {
      const byTier = Object.fromEntries(TIERS.map((t) => [t, JSON.stringify(toChangeSummary(e, t, links))]));
      expect(byTier.free).not.toContain('"regulations"');
      expect(byTier.watcher).not.toContain('"regulations"');
      const pro = toChangeSummary(e, "professional", links);
      expect(pro.changes.map((c) => c.regulations)).toEqual(e.changes.map((c) => c.regulations));
    }
  });

  it("copies only contract fields (document.last_updated stays behind) and leaves the event alone", () => {
    const e = fixtures["01-anthropic-ai-training"];
    const before = structuredClone(e);
    const s = toChangeSummary(e, "professional", links);
    expect(Object.keys(s.document).sort()).toEqual(["slug", "title", "url"]);
    expect(Object.keys(s).sort()).toEqual(
      ["changes", "document", "evidence", "id", "links", "occurred_at", "platform", "severity", "summary", "type"].sort(),
    );
    s.changes[0].categories.push("mutated");
    s.changes[0].regulations?.push("mutated");
    expect(e).toEqual(before);
  });

  it("keeps the optional archive link only when the event has one", () => {
    expect(toChangeSummary(fixtures["01-anthropic-ai-training"], "free", links).evidence.archive_url).toMatch(/^https:/);
    expect(toChangeSummary(fixtures["02-ideogram-training"], "free", links).evidence).not.toHaveProperty("archive_url");
  });
});

describe("bySeverity", () => {
  const item = (id: string, severity: "low" | "medium" | "high" | "critical", day: number) => ({
    id,
    severity,
    occurred_at: `2026-05-${String(day).padStart(2, "0")}T10:00:00Z`,
  });

  it("puts the most severe first, then the newest", () => {
    const items = [
      item("a", "low", 20),
      item("b", "high", 1),
      item("c", "critical", 2),
      item("d", "high", 9),
      item("e", "medium", 5),
    ];
    expect([...items].sort(bySeverity).map((i) => i.id)).toEqual(["c", "d", "b", "e", "a"]);
  });

  it("sortBySeverity returns a copy", () => {
    const items = [item("a", "low", 1), item("b", "critical", 1)];
    expect(sortBySeverity(items).map((i) => i.id)).toEqual(["b", "a"]);
    expect(items.map((i) => i.id)).toEqual(["a", "b"]);
  });

  it("groups a digest by platform: most severe platform first, ties by the newest change", () => {
    const groups = groupByPlatform(summariesOf("watcher"));
    expect(groups.map((g) => g.platform.slug)).toEqual(["anthropic", "windsurf", "ideogram", "openai", "netflix"]);
    expect(groups[0].items.map((s) => s.severity)).toEqual(["critical", "high"]);
    expect(groups.flatMap((g) => g.items)).toHaveLength(events.length);
  });
});
