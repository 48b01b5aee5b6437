import { describe, expect, it } from "vitest";
import { renderWebhook } from "../../src/delivery/render/webhook";
import type { ChangeSummary } from "../../src/lib/messages";
import { fixtures } from "../helpers/events";
import { alertMessage, digestContent, links, outbound } from "../helpers/messages";

/** What a receiver parses: the body goes over the wire as JSON. */
const wire = (v: unknown) => JSON.parse(JSON.stringify(v));
const SUMMARY_KEYS = ["changes", "document", "evidence", "id", "links", "occurred_at", "platform", "severity", "summary", "type"];
const training = fixtures["01-anthropic-ai-training"];

describe("renderWebhook", () => {
  it("alert: {type, id, created_at, data: {events: [change summary]}}", () => {
    const msg = alertMessage("professional", [fixtures["05-anthropic-arbitration"], training]);
    const body = wire(renderWebhook(msg));
    expect(Object.keys(body).sort()).toEqual(["created_at", "data", "id", "type"]);
    expect(body).toMatchObject({ type: "alert", id: msg.id, created_at: "2026-05-15T09:00:00.000Z" });
    expect(Object.keys(body.data)).toEqual(["events"]);
    expect(body.data.events.map((e: ChangeSummary) => e.id)).toEqual([fixtures["05-anthropic-arbitration"].id, training.id]);
    for (const e of body.data.events) {
      expect(Object.keys(e).sort()).toEqual(SUMMARY_KEYS);
      expect(e.links).toEqual(links);
      expect(Object.keys(e.document).sort()).toEqual(["slug", "title", "url"]);
    }
    expect(body.data.events[1].evidence).toEqual(training.evidence);
  });

  it("tier trimming is visible to the receiver", () => {
    const [free, watcher, pro] = (["free", "watcher", "professional"] as const).map(
      (t) => wire(renderWebhook(alertMessage(t, [training]))).data.events[0],
    );
    expect(free.changes).toEqual([]);
    expect(free.summary).toBe(training.summary);
    expect(watcher.changes).toHaveLength(1);
    expect(watcher.changes[0].before).toBe(training.changes[0].before);
    expect(watcher.changes[0]).not.toHaveProperty("regulations");
    expect(pro.changes[0].regulations).toEqual(training.changes[0].regulations);
  });

  it("digest: {period, watchlist, highlights, coverage}, plus regulatory_exposure for professional", () => {
    const watcher = wire(renderWebhook(outbound(digestContent("watcher"), "watcher")));
    expect(watcher.type).toBe("digest");
    expect(Object.keys(watcher.data).sort()).toEqual(["coverage", "highlights", "period", "watchlist"]);
    expect(watcher.data.period).toEqual({ start: "2026-05-08T09:00:00.000Z", end: "2026-05-15T09:00:00.000Z" });
    expect(watcher.data.coverage).toEqual({ events: 6, platforms: 5 });
    expect(watcher.data.watchlist).toHaveLength(6);
    expect(watcher.data.highlights.map((h: ChangeSummary) => h.severity)).toEqual(["high", "critical"]);
    for (const s of [...watcher.data.watchlist, ...watcher.data.highlights]) {
      expect(Object.keys(s).sort()).toEqual(SUMMARY_KEYS);
      expect(s.links).toEqual(links);
    }
    expect(JSON.stringify(watcher)).not.toContain("regulations");

    const pro = wire(renderWebhook(outbound(digestContent("professional"))));
    expect(Object.keys(pro.data).sort()).toEqual(["coverage", "highlights", "period", "regulatory_exposure", "watchlist"]);
    expect(pro.data.regulatory_exposure).toContainEqual({ regulation: "GDPR", changes: 4 });
    expect(pro.data).not.toHaveProperty("watched_platforms");
  });

  it("test: {message}", () => {
    const body = wire(renderWebhook(outbound({ kind: "test" })));
    expect(body).toEqual({
      type: "test",
      id: "ntf_test_1",
      created_at: "2026-05-15T09:00:00.000Z",
      data: { message: expect.any(String) },
    });
    expect(body.data.message).toMatch(/test message from clausewatch/);
  });
});
