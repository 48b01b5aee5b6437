import { describe, expect, it } from "vitest";
import { createEmailRenderer, renderWithinBudget, utf8Length } from "../../src/delivery/render/email";
import type { ChangeEvent } from "../../src/lib/event-schema";
import { ChangeEventSchema } from "../../src/lib/event-schema";
import { EMAIL_BUDGET_BYTES } from "../../src/lib/fit";
import { DIGEST_ITEM_LIMIT, subjectFor } from "../../src/lib/format";
import type { ChangeSummary, DigestContent, ElsewhereItem } from "../../src/lib/messages";
import { toChangeSummary } from "../../src/lib/summary";
import { fixtures } from "../helpers/events";
import { digestContent, links, outbound } from "../helpers/messages";

/**
 * Text at a field's maximum length (the schema's `max`, in UTF-16 units) made of the characters
 * that cost the most bytes in HTML: React escapes ' " & < > to 5–6 bytes each, and "€" is 3 bytes.
 */
const worst = (n: number) => "'\"&<>€ ".repeat(Math.ceil(n / 7)).slice(0, n);
/** A URL of 2,048 characters whose query is all ampersands (each `&amp;` in an href). */
const url = (tag: string) => {
  const head = `https://example.com/${tag}?`;
  return head + "a=&".repeat(Math.ceil((2048 - head.length) / 3)).slice(0, 2048 - head.length);
};
const slug = (tag: string) => `${tag}-${"s".repeat(128)}`.slice(0, 128);
const BIG = worst(100_000); // one string shared by every before/after: the schema's max, no 100 MB of copies
const SUMMARY = worst(5000);
const TITLE = worst(500);
const CATEGORIES = Array.from({ length: 50 }, (_, k) => slug(`c${k}`));
const REGULATIONS = Array.from({ length: 50 }, (_, k) => `${k}${worst(100)}`.slice(0, 100));

/** An event with every field at the maximum the schema allows, and 500 changes. */
function worstEvent(i: number): ChangeEvent {
  const e: ChangeEvent = {
    id: `evt_${String(i).padStart(4, "0")}${"x".repeat(192)}`,
    type: "document.changed",
    occurred_at: new Date(Date.UTC(2026, 4, 9, 12, i)).toISOString(),
    platform: { slug: slug(`p${i}`), name: worst(200) },
    document: { slug: slug(`d${i}`), title: worst(500), url: url(`doc${i}`) },
    severity: "critical",
    summary: worst(5000),
    changes: Array.from({ length: 500 }, (_, c) => ({
      provision: { slug: slug(`v${c}`), title: TITLE },
      kind: "modified" as const,
      severity: "critical" as const,
      confidence: "high" as const,
      categories: CATEGORIES,
      summary: SUMMARY,
      before: BIG,
      after: BIG,
      regulations: REGULATIONS,
    })),
    evidence: {
      source_url: url(`src${i}`),
      archive_url: url(`arc${i}`),
      content_sha256: "a".repeat(64),
      captured_at: new Date(Date.UTC(2026, 4, 9, 12, i)).toISOString(),
    },
  };
  return e;
}

/** "How other platforms handle this" at its maximum: 3 items, every field as long as it can come. */
const worstElsewhere: ElsewhereItem[] = [0, 1, 2].map((k) => ({
  platform: { slug: slug(`o${k}`), name: worst(200) },
  document: { slug: slug(`od${k}`), title: worst(500), url: url(`other${k}`) },
  provision: { slug: slug(`ov${k}`), title: worst(500) },
  severity: "critical",
  excerpt: worst(300),
  event_id: `evt_other_${k}${"x".repeat(180)}`,
}));

const worstSummary = (i: number): ChangeSummary => toChangeSummary(worstEvent(i), "professional", links, () => worstElsewhere);

const escapedHref = (u: string) => `href="${u.replace(/&/g, "&amp;")}"`;

function expectWithinBudgetWithFooter(html: string) {
  expect(utf8Length(html)).toBeLessThan(EMAIL_BUDGET_BYTES);
  expect(Buffer.byteLength(html, "utf8")).toBe(utf8Length(html));
  expect(html).toContain(escapedHref(links.unsubscribe));
  expect(html).toContain(escapedHref(links.manage));
  expect(html).toMatch(/>Unsubscribe</);
  expect(html).toMatch(/>Manage preferences</);
}

describe("email byte budget: the worst case the event schema allows", () => {
  it("the worst-case event is one the schema accepts", () => {
    const e = worstEvent(0);
    // the schema checks every field; the shared 100,000-character before/after is checked once
    const small = { ...e, changes: e.changes.slice(0, 2) };
    expect(ChangeEventSchema.safeParse(small).error?.issues ?? []).toEqual([]);
    expect(e.changes).toHaveLength(500);
  });

  it("a single-event alert (500 changes, every field at max, 3 comparisons each) stays under 100,000 bytes", async () => {
    const msg = outbound({ kind: "alert", events: [worstSummary(0)] });
    const { html, bytes, step } = await renderWithinBudget(msg);
    expectWithinBudgetWithFooter(html);
    expect(bytes).toBe(utf8Length(html));
    expect(step).toBeGreaterThan(0);
    // what was cut ends in a link to the full change (the archived copy)
    expect(html).toContain(escapedHref(url("arc0")));
    expect(html).toContain("Read the full change");
  });

  it("an alert grouping 60 worst-case events stays under budget and says how many it left out", async () => {
    const msg = outbound({ kind: "alert", events: Array.from({ length: 60 }, (_, i) => worstSummary(i)) });
    const { html } = await renderWithinBudget(msg);
    expectWithinBudgetWithFooter(html);
    expect(html).toMatch(/…and \d+ more changes\./);
  });

  it("a digest at the item cap with every field at max (plus highlights and exposure) stays under budget", async () => {
    const watchlist = Array.from({ length: DIGEST_ITEM_LIMIT }, (_, i) => worstSummary(i));
    const content: DigestContent = {
      kind: "digest",
      period: { start: "2026-05-08T09:00:00.000Z", end: "2026-05-15T09:00:00.000Z" },
      watchlist,
      highlights: Array.from({ length: 5 }, (_, i) => worstSummary(100 + i)),
      coverage: { events: 100_000, platforms: 325 },
      regulatory_exposure: Array.from({ length: 2500 }, (_, i) => ({ regulation: `${i}${worst(96)}`, changes: 50 })),
      watched_platforms: 50,
    };
    const rendered = await createEmailRenderer({ publicUrl: "https://clausewatch.test" })(outbound(content));
    expectWithinBudgetWithFooter(rendered.html);
    expect(rendered.html).toContain("See all changes on your watchlist");
    expect(rendered.text).toContain(links.unsubscribe);
  });
});

describe("email byte budget: realistic digests", () => {
  /** The fixtures as a 50-item week: distinct events and platforms, each change compared with 3 others. */
  function realisticWeek(n: number) {
    const base = Object.values(fixtures);
    const events = Array.from({ length: n }, (_, i) => {
      const e = structuredClone(base[i % base.length]);
      return {
        ...e,
        id: `${e.id}_${i}`,
        platform: { slug: `${e.platform.slug}-${i % 17}`, name: `${e.platform.name} ${i % 17}` },
      };
    });
    const elsewhereOf = (i: number): ElsewhereItem[] =>
      [1, 2, 3].map((k) => {
        const o = base[(i + k) % base.length];
        const c = o.changes[0];
        return {
          platform: o.platform,
          document: { slug: o.document.slug, title: o.document.title, url: o.document.url },
          provision: c ? { slug: c.provision.slug, title: c.provision.title } : { slug: "x", title: "X" },
          severity: c?.severity ?? o.severity,
          excerpt: (c?.after ?? o.summary).slice(0, 300),
          event_id: o.id,
        };
      });
    const content = digestContent("professional", events);
    content.watchlist = events.map((e, i) => toChangeSummary(e, "professional", links, () => elsewhereOf(i)));
    content.highlights = content.watchlist.filter((s) => s.severity === "critical").slice(0, 5);
    return content;
  }

  it("50 items from the fixtures, with comparisons, stay under budget with every item listed", async () => {
    const content = realisticWeek(50);
    const { html, step } = await renderWithinBudget(outbound(content));
    expectWithinBudgetWithFooter(html);
    // every item still appears (in full or as a headline): nothing needs "and N more"
    expect(html).not.toMatch(/…and \d+ more changes\./);
    for (const s of content.watchlist.slice(0, 50)) expect(html).toContain(escapedHref(s.document.url));
    expect(step).toBeLessThan(4);
  });
});

describe("digest subject: the reader's own changes", () => {
  it("counts the watchlist, not the week's coverage of every platform", () => {
    const mine = digestContent("watcher", [fixtures["02-ideogram-training"], fixtures["03-netflix-ai-prohibition"]]);
    const content = { ...mine, coverage: { events: 158, platforms: 33 } };
    expect(subjectFor(content)).toBe("Your clausewatch weekly digest: 2 changes, 2 platforms");
  });

  it("a reader watching nothing gets no count of everyone's changes", async () => {
    const quiet: DigestContent = {
      ...digestContent("free"),
      watchlist: [],
      coverage: { events: 158, platforms: 33 },
      watched_platforms: 0,
    };
    const rendered = await createEmailRenderer({ publicUrl: "https://clausewatch.test" })(outbound(quiet, "free"));
    expect(rendered.subject).toBe("Your clausewatch weekly digest: no changes this week");
    expect(rendered.subject).not.toMatch(/158|33/);
    // the inbox preview line, shown beside the subject, does not count them either
    expect(rendered.html).toContain("You are not watching any platforms yet");
  });
});

describe("phones: long URLs wrap", () => {
  it("URL link text breaks anywhere and the container's padding stays inside its width", async () => {
    const verify = outbound({
      kind: "notice",
      notice: "verify_email",
      address: `${"a".repeat(60)}@example.com`,
      verify_url: `https://clausewatch.test/verify-email/${"t".repeat(300)}`,
      expires_at: "2026-05-22T09:00:00.000Z",
    });
    const { html } = await renderWithinBudget(verify);
    expect(html).toMatch(/word-break:break-all[^>]*>https:\/\/clausewatch\.test\/verify-email\/t{300}/);
    expect(html).toMatch(/max-width:600px;width:100%;padding:0 16px;box-sizing:border-box;overflow-wrap:anywhere/);
  });
});
