import { describe, expect, it } from "vitest";
import { renderSlack } from "../../src/delivery/render/slack";
import type { RenderedSlack } from "../../src/delivery/types";
import { fixtures } from "../helpers/events";
import { alertMessage, digestContent, links, manyEvents, outbound } from "../helpers/messages";

type TextObject = { type: string; text: string };
type AnyBlock = { type: string; text?: TextObject; elements?: TextObject[] };

const blocksOf = (r: RenderedSlack) => r.blocks as AnyBlock[];
const sectionTexts = (r: RenderedSlack) => blocksOf(r).flatMap((b) => (b.type === "section" && b.text ? [b.text.text] : []));

/** Slack's documented limits: any one broken and chat.postMessage answers invalid_blocks. */
function expectWithinSlackLimits(r: RenderedSlack) {
  const blocks = blocksOf(r);
  expect(blocks.length).toBeGreaterThan(0);
  expect(blocks.length).toBeLessThanOrEqual(50);
  for (const b of blocks) {
    expect(["header", "section", "context", "divider"]).toContain(b.type);
    if (b.type === "header") {
      expect(b.text?.type).toBe("plain_text");
      expect(b.text?.text.length).toBeLessThanOrEqual(150);
    }
    if (b.type === "section") {
      expect(b.text?.type).toBe("mrkdwn");
      expect(b.text?.text.length).toBeGreaterThan(0);
      expect(b.text?.text.length).toBeLessThanOrEqual(3000);
    }
    if (b.type === "context") {
      expect(b.elements?.length).toBeLessThanOrEqual(10);
      for (const el of b.elements ?? []) expect(el.text.length).toBeLessThanOrEqual(3000);
    }
  }
  expect(r.text.length).toBeGreaterThan(0);
}

const huge = "Very long summary & <clause>. ".repeat(340); // ~10,200 characters, and every one escaped

describe("renderSlack: alerts", () => {
  it("one event: header, the change with its provisions, evidence, footer; fallback text is the subject", () => {
    const r = renderSlack(alertMessage("professional", [fixtures["01-anthropic-ai-training"]]));
    expectWithinSlackLimits(r);
    expect(r.text).toBe("[High] Anthropic · Claude.ai Terms of Service changed");
    const blocks = blocksOf(r);
    expect(blocks[0]).toMatchObject({ type: "header", text: { text: r.text } });
    const body = sectionTexts(r).join("\n");
    expect(body).toContain("*Modified: AI Model Training Use of Materials*");
    expect(body).toContain("Regulations: GDPR, UK GDPR, CCPA, EU AI Act, California AB 2013");
    expect(body).toContain("<https://www.anthropic.com/legal/consumer-terms|Anthropic · Claude.ai Terms of Service>");
    const last = blocks.at(-1);
    expect(last?.type).toBe("context");
    expect(last?.elements?.[0].text).toBe(`<${links.manage}|Manage preferences> · <${links.unsubscribe}|Unsubscribe>`);
    expect(JSON.stringify(blocks)).toContain("b10681ed0556");
  });

  it("200 events: at most 50 blocks, ending with a section '…and N more' that links to manage", () => {
    const r = renderSlack(alertMessage("professional", manyEvents(200)));
    expectWithinSlackLimits(r);
    expect(r.text).toBe("[High] 200 changes on your watchlist");
    const shown = sectionTexts(r).filter((t) => t.includes("Claude.ai Terms of Service")).length;
    expect(shown).toBeGreaterThan(5);
    const last = blocksOf(r).at(-1);
    expect(last?.type).toBe("section");
    expect(last?.text?.text).toContain(`…and ${200 - shown} more changes.`);
    expect(last?.text?.text).toContain(`<${links.manage}|`);
  });

  it("a 10,000-character summary and 300 provision changes still fit, cut with '…'", () => {
    const base = fixtures["05-anthropic-arbitration"];
    const change = { ...base.changes[0], summary: huge, before: huge, after: huge };
    const e = { ...base, summary: huge, changes: Array.from({ length: 300 }, () => change) };
    const r = renderSlack(alertMessage("professional", [e]));
    expectWithinSlackLimits(r);
    const [text] = sectionTexts(r);
    expect(text.length).toBeGreaterThan(2000);
    expect(text).toContain("…");
    expect(text).toContain("&amp; &lt;clause&gt;");
    expect(text).not.toContain("<clause>");
  });

  it("free tier: the headline and a pointer to the plans, no provisions", () => {
    const r = renderSlack(alertMessage("free", [fixtures["01-anthropic-ai-training"]]));
    expectWithinSlackLimits(r);
    const body = sectionTexts(r).join("\n");
    expect(body).toContain("Conversations can be used to train models by default");
    expect(body).not.toContain("AI Model Training Use of Materials");
    expect(body).toContain(`<${links.manage}|see plans>`);
  });
});

describe("renderSlack: the text fallback", () => {
  // Slack parses `text` like mrkdwn: unescaped, a scraped title could ping a whole channel,
  // mention a user or dress a link up with a label of its choosing.
  const hostile = "<!channel> & <@U123> <https://evil.example|Your bank> <!subteam^S1>";
  const event = {
    ...fixtures["01-anthropic-ai-training"],
    platform: { ...fixtures["01-anthropic-ai-training"].platform, name: "<!here> Platform & Co" },
    document: { ...fixtures["01-anthropic-ai-training"].document, title: hostile },
  };

  it("escapes &, < and > like the blocks, so mentions and links in a title arrive inert", () => {
    const r = renderSlack(alertMessage("professional", [event]));
    expect(r.text).toBe(
      "[High] &lt;!here&gt; Platform &amp; Co · &lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://evil.example|Your bank&gt; &lt;!subteam^S1&gt; changed",
    );
    expect(r.text).not.toMatch(/[<>]/);
    expect(r.text).not.toMatch(/&(?!amp;|lt;|gt;)/);
  });

  it("the header block stays plain_text, which Slack shows as written (not escaped twice)", () => {
    const r = renderSlack(alertMessage("professional", [event]));
    const header = blocksOf(r)[0];
    expect(header).toMatchObject({ type: "header", text: { type: "plain_text" } });
    expect(header.text?.text).toContain("<!channel> & <@U123>");
  });

  it("escapes a title in a several-event alert's blocks and a digest's fallback as well", () => {
    const two = renderSlack(alertMessage("professional", [event, fixtures["05-anthropic-arbitration"]]));
    expect(two.text).toMatch(/^\[Critical\] 2 changes on your watchlist$/);
    expect(JSON.stringify(two.blocks)).not.toContain("<!channel>");
    const digest = renderSlack(outbound(digestContent("watcher", [event])));
    expect(digest.text).not.toMatch(/[<>]/);
    expect(JSON.stringify(digest.blocks)).not.toContain("<!channel>");
  });
});

describe("renderSlack: digests and tests", () => {
  it("a digest: coverage, highlights, exposure (professional), watchlist grouped by platform", () => {
    const r = renderSlack(outbound(digestContent("professional")));
    expectWithinSlackLimits(r);
    expect(r.text).toBe("Your clausewatch weekly digest: 6 changes, 5 platforms");
    const body = sectionTexts(r).join("\n");
    expect(body).toContain("6 changes across 5 platforms this week.");
    expect(body).toContain("*Highlights*");
    expect(body).toContain("*Regulatory exposure*\nGDPR: 4 changes · CCPA: 2 changes");
    expect(body.indexOf("*Anthropic* (2 changes)")).toBeLessThan(body.indexOf("*Netflix* (1 change)"));
    expect(
      renderSlack(outbound(digestContent("watcher")))
        .blocks.map((b) => JSON.stringify(b))
        .join(),
    ).not.toContain("Regulatory exposure");
  });

  it("a digest of 200 events across 40 platforms: within limits, 50 items listed at most, the rest counted", () => {
    const r = renderSlack(
      outbound(
        digestContent(
          "watcher",
          manyEvents(200, () => ({ summary: huge.slice(0, 4000) })),
        ),
      ),
    );
    expectWithinSlackLimits(r);
    const listed = sectionTexts(r)
      .filter((t) => /^\*Platform \d+\*/.test(t))
      .reduce((n, t) => n + (t.match(/^• /gm)?.length ?? 0), 0);
    expect(listed).toBeGreaterThan(0);
    expect(listed).toBeLessThanOrEqual(50);
    const last = blocksOf(r).at(-1);
    expect(last?.text?.text).toContain(`…and ${200 - listed} more changes.`);
    expect(last?.text?.text).toContain(`<${links.manage}|`);
  });

  it("a quiet week says so", () => {
    const quiet = {
      ...digestContent("free"),
      watchlist: [],
      highlights: [],
      coverage: { events: 0, platforms: 0 },
      watched_platforms: 1,
    };
    const r = renderSlack(outbound(quiet, "free"));
    expectWithinSlackLimits(r);
    expect(sectionTexts(r).join("\n")).toContain("No changes to the 1 platform you watch this week.");
  });

  it("a test message", () => {
    const r = renderSlack(outbound({ kind: "test" }));
    expectWithinSlackLimits(r);
    expect(r.text).toBe("clausewatch test message");
    expect(blocksOf(r).map((b) => b.type)).toEqual(["header", "section", "context"]);
  });
});
