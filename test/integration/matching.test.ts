import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChangeEvent } from "../../src/lib/event-schema";
import { call, createTestContext, createUser, postEvent, type TestContext, uniq, watch } from "../helpers/app";
import { isolatedEvent } from "../helpers/events";
import { count } from "../helpers/sql";

type Json = Record<string, unknown>;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

/**
 * A fixture on its own platform whose categories are renamed per case, so no other test's watch
 * (a professional's `"*"` watch in a file running alongside on PostgreSQL) can match it and the
 * answer's counts are this case's alone.
 */
function caseEvent(fixture: string, mutate?: (e: ChangeEvent) => void) {
  const { e, cat } = isolatedEvent(fixture);
  mutate?.(e);
  return { e, cat };
}

const digestItems = (userId: string, eventId: string) =>
  count(ctx.database, sql`select 1 from digest_items where user_id = ${userId} and event_id = ${eventId}`);

/** Alerts carrying the event, per channel of the user. */
async function alertsByChannel(userId: string, eventId: string): Promise<Record<string, number>> {
  const rows = await ctx.database.db.execute(sql`
    select n.channel_id, count(*)::int as n from notification_events ne
    join notifications n on n.id = ne.notification_id
    where n.user_id = ${userId} and ne.event_id = ${eventId} and n.kind = 'alert'
    group by n.channel_id`);
  const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as { channel_id: string; n: number }[];
  return Object.fromEntries(list.map((r) => [r.channel_id, r.n]));
}

interface Row {
  rule: string;
  fixture: string;
  event?: (e: ChangeEvent) => void;
  /** the watches of one professional user, built from the event and the case's category names */
  watches: (e: ChangeEvent, cat: (c: string) => string) => Json[];
  /** pause the watches (by the user) before the event arrives */
  paused?: boolean;
  match: boolean;
}

const P = (e: ChangeEvent) => e.platform.slug;
const D = (e: ChangeEvent) => e.document.slug;

const rows: Row[] = [
  {
    rule: "platform watch, same platform",
    fixture: "01-anthropic-ai-training",
    watches: (e) => [{ platform: P(e) }],
    match: true,
  },
  {
    rule: "platform watch, another platform",
    fixture: "01-anthropic-ai-training",
    watches: () => [{ platform: uniq("elsewhere") }],
    match: false,
  },
  {
    rule: "document watch, same document",
    fixture: "01-anthropic-ai-training",
    watches: (e) => [{ platform: P(e), document: D(e) }],
    match: true,
  },
  {
    rule: "document watch, another document of the platform",
    fixture: "01-anthropic-ai-training",
    watches: (e) => [{ platform: P(e), document: "privacy-policy" }],
    match: false,
  },
  {
    rule: "document watch, the same document slug on another platform",
    fixture: "01-anthropic-ai-training",
    watches: (e) => [{ platform: uniq("other"), document: D(e) }],
    match: false,
  },
  {
    rule: "provision watch, provision among the changes",
    fixture: "05-anthropic-arbitration",
    watches: (e) => [{ platform: P(e), document: D(e), provision: "dispute-resolution-arbitration" }],
    match: true,
  },
  {
    rule: "provision watch, provision not among the changes",
    fixture: "05-anthropic-arbitration",
    watches: (e) => [{ platform: P(e), document: D(e), provision: "governing-law" }],
    match: false,
  },
  {
    rule: "provision watch, provision changed in another document",
    fixture: "05-anthropic-arbitration",
    watches: (e) => [{ platform: P(e), document: "privacy-policy", provision: "dispute-resolution-arbitration" }],
    match: false,
  },
  {
    rule: "platform watch, event severity = min_severity",
    fixture: "01-anthropic-ai-training",
    watches: (e) => [{ platform: P(e), min_severity: "high" }],
    match: true,
  },
  {
    rule: "platform watch, event severity < min_severity",
    fixture: "01-anthropic-ai-training",
    watches: (e) => [{ platform: P(e), min_severity: "critical" }],
    match: false,
  },
  {
    rule: "platform watch, min_severity low matches a low event",
    fixture: "03-netflix-ai-prohibition",
    watches: (e) => [{ platform: P(e), min_severity: "low" }],
    match: true,
  },
  {
    rule: "document watch, event severity > min_severity",
    fixture: "01-anthropic-ai-training",
    watches: (e) => [{ platform: P(e), document: D(e), min_severity: "medium" }],
    match: true,
  },
  {
    rule: "document watch, event severity < min_severity",
    fixture: "02-ideogram-training",
    watches: (e) => [{ platform: P(e), document: D(e), min_severity: "high" }],
    match: false,
  },
  {
    rule: "platform watch uses the event's severity, not a change's (event low, change critical)",
    fixture: "01-anthropic-ai-training",
    event: (e) => {
      e.severity = "low";
      e.changes[0].severity = "critical";
    },
    watches: (e) => [{ platform: P(e), min_severity: "high" }],
    match: false,
  },
  {
    rule: "provision watch uses the provision's severity: critical event, medium provision, min high",
    fixture: "05-anthropic-arbitration",
    watches: (e) => [{ platform: P(e), document: D(e), provision: "ai-model-training-use-of-materials", min_severity: "high" }],
    match: false,
  },
  {
    rule: "provision watch uses the provision's severity: medium provision, min medium",
    fixture: "05-anthropic-arbitration",
    watches: (e) => [{ platform: P(e), document: D(e), provision: "ai-model-training-use-of-materials", min_severity: "medium" }],
    match: true,
  },
  {
    rule: "provision watch uses the provision's severity: low event, critical provision, min critical",
    fixture: "01-anthropic-ai-training",
    event: (e) => {
      e.severity = "low";
      e.changes[0].severity = "critical";
    },
    watches: (e) => [
      { platform: P(e), document: D(e), provision: "ai-model-training-use-of-materials", min_severity: "critical" },
    ],
    match: true,
  },
  {
    rule: "provision watch, a change without severity falls back to the event's",
    fixture: "01-anthropic-ai-training",
    event: (e) => {
      e.severity = "high";
      delete e.changes[0].severity;
    },
    watches: (e) => [{ platform: P(e), document: D(e), provision: "ai-model-training-use-of-materials", min_severity: "high" }],
    match: true,
  },
  {
    rule: "categories intersect the changes' (hit)",
    fixture: "01-anthropic-ai-training",
    watches: (e, cat) => [{ platform: P(e), categories: [cat("ai-training"), cat("arbitration")] }],
    match: true,
  },
  {
    rule: "categories intersect the changes' (miss)",
    fixture: "01-anthropic-ai-training",
    watches: (e, cat) => [{ platform: P(e), categories: [cat("arbitration")] }],
    match: false,
  },
  {
    rule: "categories hit on any change of the event",
    fixture: "05-anthropic-arbitration",
    watches: (e, cat) => [{ platform: P(e), document: D(e), categories: [cat("data-rights")] }],
    match: true,
  },
  {
    rule: 'every platform ("*") with intersecting categories',
    fixture: "02-ideogram-training",
    watches: (_e, cat) => [{ platform: "*", categories: [cat("content-license")] }],
    match: true,
  },
  {
    rule: 'every platform ("*") with other categories',
    fixture: "02-ideogram-training",
    watches: (_e, cat) => [{ platform: "*", categories: [cat("arbitration")] }],
    match: false,
  },
  {
    rule: 'every platform ("*") filtered by min_severity too',
    fixture: "02-ideogram-training",
    watches: (_e, cat) => [{ platform: "*", categories: [cat("content-license")], min_severity: "high" }],
    match: false,
  },
  {
    rule: "a paused watch does not match",
    fixture: "01-anthropic-ai-training",
    watches: (e) => [{ platform: P(e) }, { platform: P(e), document: D(e) }],
    paused: true,
    match: false,
  },
  {
    rule: "document.added without changes matches a platform watch",
    fixture: "06-openai-new-document",
    watches: (e) => [{ platform: P(e) }],
    match: true,
  },
  {
    rule: "document.added without changes matches a document watch",
    fixture: "06-openai-new-document",
    watches: (e) => [{ platform: P(e), document: D(e) }],
    match: true,
  },
  {
    rule: "document.added without changes matches no provision watch",
    fixture: "06-openai-new-document",
    watches: (e) => [{ platform: P(e), document: D(e), provision: "usage" }],
    match: false,
  },
  {
    rule: "document.added without changes matches no categories watch",
    fixture: "06-openai-new-document",
    watches: (e, cat) => [
      { platform: P(e), categories: [cat("ai-training")] },
      { platform: "*", categories: [cat("ai-training")] },
    ],
    match: false,
  },
  {
    rule: "document.removed without changes matches a document watch",
    fixture: "06-openai-new-document",
    event: (e) => {
      e.type = "document.removed";
    },
    watches: (e) => [{ platform: P(e), document: D(e) }],
    match: true,
  },
];

describe("matching rules (POST /v1/events)", () => {
  it.each(rows.map((r) => [r.rule, r] as const))("%s", async (_rule, row) => {
    const { e, cat } = caseEvent(row.fixture, row.event);
    const u = await createUser(ctx, { tier: "professional" });
    for (const body of row.watches(e, cat)) {
      const w = await watch(ctx, u, body);
      if (row.paused) {
        const p = await call(ctx, "PATCH", `/v1/watchlist/${w.id}`, { token: u.key, body: { paused: true } });
        expect(p.json.paused).toBe(true);
      }
    }
    const res = await postEvent(ctx, e);
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const n = row.match ? 1 : 0;
    expect(res.json).toMatchObject({ event_id: e.id, duplicate: false });
    expect(res.fanout).toEqual({ matched_users: n, alerts: n, digest_items: n });
    expect(await digestItems(u.id, e.id)).toBe(n);
    expect(Object.values(await alertsByChannel(u.id, e.id))).toEqual(row.match ? [1] : []);
  });
});

describe("one user, several matches", () => {
  it("several matching watches give one digest item and one alert per channel", async () => {
    const { e, cat } = caseEvent("05-anthropic-arbitration");
    const u = await createUser(ctx, { tier: "professional" });
    await watch(ctx, u, { platform: P(e) });
    await watch(ctx, u, { platform: P(e), document: D(e) });
    await watch(ctx, u, { platform: P(e), document: D(e), provision: "dispute-resolution-arbitration" });
    await watch(ctx, u, { platform: P(e), document: D(e), provision: "ai-model-training-use-of-materials" });
    await watch(ctx, u, { platform: "*", categories: [cat("arbitration")] });
    const hook = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "webhook", url: `https://hooks.example.com/${uniq("m")}` },
    });
    const slack = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "slack", bot_token: "xoxb-1234567890-abcdef", channel: "#legal" },
    });
    // channels that must not get alerts: one waiting for verification, one disabled
    await call(ctx, "POST", "/v1/channels", { token: u.key, body: { type: "email", address: `${uniq("p")}@example.com` } });
    const off = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "webhook", url: `https://hooks.example.com/${uniq("off")}` },
    });
    await call(ctx, "PATCH", `/v1/channels/${off.json.id}`, { token: u.key, body: { enabled: false } });
    const channels = (await call(ctx, "GET", "/v1/channels", { token: u.key })).json.items as Json[];
    const account = channels.find((c) => c.target === u.email) as Json;

    const res = await postEvent(ctx, e);
    expect(res.json).toMatchObject({ event_id: e.id, duplicate: false });
    expect(res.fanout).toEqual({ matched_users: 1, alerts: 3, digest_items: 1 });
    expect(await digestItems(u.id, e.id)).toBe(1);
    expect(await alertsByChannel(u.id, e.id)).toEqual({
      [account.id as string]: 1,
      [hook.json.id as string]: 1,
      [slack.json.id as string]: 1,
    });
  });

  it("free users get digest items but no alerts; a trial gets alerts; watchers and professionals get alerts", async () => {
    const { e } = caseEvent("01-anthropic-ai-training");
    const free = await createUser(ctx);
    const trial = await createUser(ctx, { trial: true });
    const watcher = await createUser(ctx, { tier: "watcher" });
    const pro = await createUser(ctx, { tier: "professional" });
    for (const u of [free, trial, watcher, pro]) await watch(ctx, u, { platform: P(e) });

    const res = await postEvent(ctx, e);
    expect(res.json).toMatchObject({ event_id: e.id, duplicate: false });
    expect(res.fanout).toEqual({ matched_users: 4, alerts: 3, digest_items: 4 });
    for (const u of [free, trial, watcher, pro]) expect(await digestItems(u.id, e.id)).toBe(1);
    expect(await alertsByChannel(free.id, e.id)).toEqual({});
    for (const u of [trial, watcher, pro]) expect(Object.values(await alertsByChannel(u.id, e.id))).toEqual([1]);
  });

  it("a watch on a platform no event has mentioned yet matches its first event", async () => {
    const slug = uniq("brand-new");
    const u = await createUser(ctx, { tier: "watcher" });
    await watch(ctx, u, { platform: slug, document: "claudeai-terms-of-service" });
    const { e } = caseEvent("01-anthropic-ai-training", (x) => {
      x.platform.slug = slug;
    });
    const res = await postEvent(ctx, e);
    expect(res.fanout?.matched_users).toBe(1);
    // the catalog grew from it (the cursor is the slug before: a prefix sorts first)
    const page = await call(ctx, "GET", `/v1/catalog/platforms?limit=1&cursor=${slug.slice(0, -1)}`, { token: u.key });
    expect((page.json.items as Json[]).map((p) => p.slug)).toEqual([slug]);
  });
});
