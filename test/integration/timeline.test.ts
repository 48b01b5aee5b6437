import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChangeEvent } from "../../src/lib/event-schema";
import { call, createTestContext, createUser, postEvent, type TestContext, type TestUser, uniq, watch } from "../helpers/app";
import { freshEvent } from "../helpers/events";

type Json = Record<string, unknown>;
interface Item {
  id: string;
  event_id: string;
  provision: { slug: string; title: string } | null;
  before: string | null;
  after: string | null;
  [k: string]: unknown;
}

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const TRAINING = "ai-model-training-use-of-materials";
const timeline = (u: TestUser, query = "") => call(ctx, "GET", `/v1/timeline${query ? `?${query}` : ""}`, { token: u.key });

/** Every page, following next_cursor; also returns how many pages it took. */
async function allPages(u: TestUser, query: string) {
  const items: Item[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await timeline(u, `${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    items.push(...(res.json.items as Item[]));
    cursor = res.json.next_cursor as string | null;
    pages++;
  } while (cursor && pages < 50);
  return { items, pages };
}

/** An event on `platform` at `at`, its training provision going from `from` to `to`. */
function version(platform: string, fixture: string, at: string, from: string, to: string): ChangeEvent {
  const e = freshEvent(fixture, { platformSlug: platform, occurred_at: at });
  for (const c of e.changes)
    if (c.provision.slug === TRAINING) {
      c.before = from;
      c.after = to;
    }
  return e;
}

describe("governance timeline", () => {
  let u: TestUser;
  let platform: string;
  let other: string;
  let v1: ChangeEvent;
  let v2: ChangeEvent;
  let added: ChangeEvent;
  let v3: ChangeEvent;
  let elsewhere: ChangeEvent;

  beforeAll(async () => {
    u = await createUser(ctx, { tier: "professional" });
    platform = uniq("tl");
    other = uniq("tl-other");
    await watch(ctx, u, { platform });
    await watch(ctx, u, { platform: other });
    v1 = version(platform, "01-anthropic-ai-training", "2026-01-10T10:00:00Z", "v0", "v1");
    v2 = version(platform, "05-anthropic-arbitration", "2026-02-10T10:00:00Z", "v1", "v2"); // arbitration, then training
    added = freshEvent("06-openai-new-document", { platformSlug: platform, occurred_at: "2026-03-10T10:00:00Z" });
    v3 = version(platform, "01-anthropic-ai-training", "2026-04-10T10:00:00Z", "v2", "v3");
    elsewhere = freshEvent("04-windsurf-subprocessors", { platformSlug: other, occurred_at: "2026-03-20T10:00:00Z" });
    // posted out of order: the timeline orders by when the change occurred, not when it arrived
    for (const e of [v2, elsewhere, v1, v3, added]) expect((await postEvent(ctx, e)).status).toBe(202);
    // an event the user does not watch never shows
    expect((await postEvent(ctx, freshEvent("02-ideogram-training"))).status).toBe(202);
  });

  it("lists every change newest first, one item per provision change, across pages", async () => {
    const { items, pages } = await allPages(u, "limit=2");
    expect(pages).toBe(3);
    expect(items.map((i) => [i.event_id, i.provision?.slug ?? null])).toEqual([
      [v3.id, TRAINING],
      [elsewhere.id, "third-party-model-processing"],
      [added.id, null],
      [v2.id, "dispute-resolution-arbitration"],
      [v2.id, TRAINING],
      [v1.id, TRAINING],
    ]);
    expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
    // one page with everything says the same
    const whole = await timeline(u, "limit=200");
    expect(whole.json.items).toEqual(items);
    expect(whole.json.next_cursor).toBeNull();
  });

  it("gives each item its change, severity, before/after, categories, regulations and evidence", async () => {
    const items = (await timeline(u, "limit=200")).json.items as Item[];
    const change = v3.changes[0];
    expect(items[0]).toEqual({
      id: expect.any(String),
      event_id: v3.id,
      type: "document.changed",
      occurred_at: "2026-04-10T10:00:00.000Z",
      platform: { slug: platform, name: v3.platform.name },
      document: { slug: v3.document.slug, title: v3.document.title, url: v3.document.url },
      provision: { slug: TRAINING, title: change.provision.title },
      kind: change.kind,
      severity: change.severity,
      summary: change.summary,
      event_summary: v3.summary,
      before: "v2",
      after: "v3",
      categories: change.categories,
      regulations: change.regulations,
      evidence: {
        source_url: v3.evidence.source_url,
        archive_url: v3.evidence.archive_url,
        content_sha256: v3.evidence.content_sha256,
        captured_at: v3.evidence.captured_at,
      },
    });
    // the arbitration change keeps its own severity (critical), not the training change's
    const arbitration = items.find((i) => i.provision?.slug === "dispute-resolution-arbitration");
    expect(arbitration).toMatchObject({ severity: "critical", kind: "added", before: null, regulations: ["FTC Act"] });
    // a document added without changes: one item, no provision, the event's own words
    expect(items.find((i) => i.event_id === added.id)).toMatchObject({
      provision: null,
      kind: "added",
      type: "document.added",
      severity: "low",
      summary: added.summary,
      categories: [],
      regulations: [],
      evidence: { archive_url: null },
    });
  });

  it("filtered by provision, it reads as the sequence of that provision's versions", async () => {
    const { items } = await allPages(u, `provision=${TRAINING}&limit=1`);
    expect(items.map((i) => i.event_id)).toEqual([v3.id, v2.id, v1.id]);
    expect(items.map((i) => [i.before, i.after])).toEqual([
      ["v2", "v3"],
      ["v1", "v2"],
      ["v0", "v1"],
    ]);
    for (let i = 0; i + 1 < items.length; i++) expect(items[i].before).toBe(items[i + 1].after);
  });

  it("filters by platform, document and since", async () => {
    const onOther = (await timeline(u, `platform=${other}`)).json.items as Item[];
    expect(onOther.map((i) => i.event_id)).toEqual([elsewhere.id]);
    const doc = (await timeline(u, `document=${added.document.slug}`)).json.items as Item[];
    expect(doc.map((i) => i.event_id)).toEqual([added.id]);
    const since = (await timeline(u, `since=${encodeURIComponent("2026-03-10T10:00:00Z")}`)).json.items as Item[];
    expect(since.map((i) => i.event_id)).toEqual([v3.id, elsewhere.id, added.id]);
    const none = await timeline(u, `platform=${uniq("nobody")}`);
    expect(none.json).toEqual({ items: [], next_cursor: null });
  });

  it("keeps its cursor stable while new changes arrive", async () => {
    const first = await timeline(u, "limit=2");
    const newer = version(platform, "01-anthropic-ai-training", "2026-05-10T10:00:00Z", "v3", "v4");
    expect((await postEvent(ctx, newer)).status).toBe(202);
    const rest: Item[] = [];
    let cursor = first.json.next_cursor as string | null;
    while (cursor) {
      const res = await timeline(u, `limit=2&cursor=${encodeURIComponent(cursor)}`);
      rest.push(...(res.json.items as Item[]));
      cursor = res.json.next_cursor as string | null;
    }
    const seen = [...(first.json.items as Item[]), ...rest].map((i) => i.id);
    expect(seen).toHaveLength(6);
    expect(seen.some((id) => id.startsWith(newer.id))).toBe(false);
    // a fresh first page shows it
    expect(((await timeline(u, "limit=1")).json.items as Item[])[0].event_id).toBe(newer.id);
  });

  it("shows only the user's own matches, and keeps them after the watch is gone", async () => {
    const someone = await createUser(ctx, { tier: "professional" });
    expect((await timeline(someone)).json).toEqual({ items: [], next_cursor: null });
    const w = await watch(ctx, someone, { platform: uniq("gone") });
    const e = freshEvent("03-netflix-ai-prohibition", { platformSlug: w.platform as string });
    await postEvent(ctx, e);
    expect((await call(ctx, "DELETE", `/v1/watchlist/${w.id}`, { token: someone.key })).status).toBe(204);
    expect(((await timeline(someone)).json.items as Item[]).map((i) => i.event_id)).toEqual([e.id]);
  });

  it("refuses a cursor it did not issue, and bad filters", async () => {
    for (const q of ["cursor=nope", "cursor=W1tdXQ", "since=yesterday", "provision=Not%20A%20Slug", "limit=0", "limit=201"]) {
      const res = await timeline(u, q);
      expect(res.status, q).toBe(400);
      expect((res.json.error as Json).code).toBe("invalid_request");
    }
    const good = (await timeline(u, "limit=1")).json.next_cursor as string;
    const edited = Buffer.from(Buffer.from(good, "base64url").toString().replace("2026", "2025")).toString("base64url");
    expect((await timeline(u, `cursor=${edited}`)).status).toBe(400);
  });
});

describe("timeline tier gate", () => {
  it.each([
    ["free", {}],
    ["watcher", { tier: "watcher" }],
    ["a Watcher trial", { trial: true }],
  ])("%s → 403 tier_limit, before the query is looked at", async (_name, body) => {
    const u = await createUser(ctx, body);
    for (const q of ["", "limit=abc&cursor=%00"]) {
      const res = await timeline(u, q);
      expect(res.status).toBe(403);
      expect((res.json.error as Json).code).toBe("tier_limit");
      expect((res.json.error as Json).message).toContain("professional");
    }
  });

  it("without a key → 401", async () => {
    expect((await call(ctx, "GET", "/v1/timeline")).status).toBe(401);
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await call(ctx, "GET", "/openapi.json")).json as { paths: Record<string, Json> };
    expect(doc.paths["/v1/timeline"]).toHaveProperty("get");
  });
});
