import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bodyOf, call, createTestContext, createUser, type TestContext, type TestUser, uniq, watch } from "../helpers/app";

/** /v1/watchlist: create, read, patch, delete, and paging through the list. */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe("watchlist CRUD", () => {
  let u: TestUser;
  beforeAll(async () => {
    u = await createUser(ctx, { tier: "professional" });
  });

  it("creates, reads, patches and deletes a watch", async () => {
    const client = api(ctx, u.key);
    const p = uniq("crud");
    const created = await bodyOf(
      await client.v1.watchlist.$post({ json: { platform: p, categories: ["data-rights", "ai-training", "data-rights"] } }),
      201,
    );
    expect(created).toEqual({
      id: expect.stringMatching(/^wat_/),
      platform: p,
      document: null,
      provision: null,
      min_severity: null,
      categories: ["ai-training", "data-rights"],
      paused: false,
      paused_reason: null,
      created_at: expect.stringMatching(ISO),
    });
    const one = client.v1.watchlist[":id"];
    const param = { id: created.id };
    expect(await (await one.$get({ param })).json()).toEqual(created);

    const sev = await bodyOf(await one.$patch({ param, json: { min_severity: "high" } }), 200);
    expect(sev).toEqual({ ...created, min_severity: "high" });
    // a PATCH keeps what it leaves out
    const paused = await (await one.$patch({ param, json: { paused: true } })).json();
    expect(paused).toEqual({ ...created, min_severity: "high", paused: true, paused_reason: "user" });
    const resumed = await (await one.$patch({ param, json: { paused: false, categories: null } })).json();
    expect(resumed).toEqual({ ...created, min_severity: "high", categories: null });

    // call(): a field the PATCH does not take, and a severity that does not exist, which the types refuse
    expect((await call(ctx, "PATCH", `/v1/watchlist/${created.id}`, { token: u.key, body: { platform: "other" } })).status).toBe(
      400,
    );
    expect(
      (await call(ctx, "PATCH", `/v1/watchlist/${created.id}`, { token: u.key, body: { min_severity: "huge" } })).status,
    ).toBe(400);

    const del = await one.$delete({ param });
    expect(del.status).toBe(204);
    expect((await one.$get({ param })).status).toBe(404);
    expect((await one.$delete({ param })).status).toBe(404);
    expect((await one.$patch({ param, json: { paused: true } })).status).toBe(404);
  });

  it("refuses invalid watches with a 400 naming the field", async () => {
    // call(): most of these bodies (no platform, unknown fields, wrong types) are what the types refuse
    const cases: [Record<string, unknown>, string][] = [
      [{}, "platform"],
      [{ platform: "Upper Case" }, "platform"],
      [{ platform: "ok", document: "a b" }, "document"],
      [{ platform: "ok", min_severity: "extreme" }, "min_severity"],
      [{ platform: "ok", categories: [] }, "categories"],
      [{ platform: "ok", categories: ["Not-A-Slug"] }, "categories"],
      [{ platform: "ok", colour: "red" }, "colour"],
      [{ platform: "ok", document: "terms", provision: 5 }, "provision"],
    ];
    for (const [body, field] of cases) {
      const res = await call(ctx, "POST", "/v1/watchlist", { token: u.key, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const { error } = res.json as { error: { code: string; message: string } };
      expect(error.code).toBe("invalid_request");
      expect(error.message).toContain(field);
    }
  });

  it("an identical watch is a 409 (categories compare as a set)", async () => {
    const client = api(ctx, u.key);
    const p = uniq("dup");
    await watch(ctx, u, { platform: p, categories: ["b", "a"] });
    const again = await client.v1.watchlist.$post({ json: { platform: p, categories: ["a", "b", "a"] } });
    expect((await bodyOf(again, 409)).error.code).toBe("conflict");
    // a PATCH that makes two watches identical is a 409 too
    const other = await watch(ctx, u, { platform: p, categories: ["c"] });
    const clash = await client.v1.watchlist[":id"].$patch({ param: { id: String(other.id) }, json: { categories: ["a", "b"] } });
    expect(clash.status).toBe(409);
  });
});

describe("pagination", () => {
  type Watch = Awaited<ReturnType<typeof listWatches>>["items"][number];
  const listWatches = async (u: TestUser, query: { limit?: string; cursor?: string } = {}) =>
    bodyOf(await api(ctx, u.key).v1.watchlist.$get({ query }), 200);

  /** Follows next_cursor to the end and returns every page. */
  async function allPages(u: TestUser, limit: number) {
    const pages: Watch[][] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Watch[]; next_cursor: string | null } = await listWatches(u, {
        limit: String(limit),
        ...(cursor ? { cursor } : {}),
      });
      pages.push(page.items);
      cursor = page.next_cursor;
    } while (cursor !== null && pages.length < 100);
    return pages;
  }

  let u: TestUser;
  let all: Watch[];
  beforeAll(async () => {
    u = await createUser(ctx, { tier: "professional" });
    // same creation instant for some, so the id breaks ties
    for (let i = 0; i < 53; i++) {
      if (i % 3 === 0) ctx.clock.advance(1);
      await watch(ctx, u, { platform: uniq("page") });
    }
    all = (await listWatches(u, { limit: "200" })).items;
  });

  it("defaults to 50 items and a next_cursor", async () => {
    const page = await listWatches(u);
    expect(page.items.length).toBe(50);
    expect(typeof page.next_cursor).toBe("string");
    expect(all).toHaveLength(53);
  });

  it.each([1, 2, 7, 50, 53, 200])(
    "limit %i walks every item once, oldest first, and ends with next_cursor null",
    async (limit) => {
      const pages = await allPages(u, limit);
      expect(pages.flat().map((w) => w.id)).toEqual(all.map((w) => w.id));
      expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
      expect(pages.length).toBe(Math.max(1, Math.ceil(53 / limit)));
      const sorted = [...all].sort((a, b) => a.created_at.localeCompare(b.created_at));
      expect(all.map((w) => w.created_at)).toEqual(sorted.map((w) => w.created_at));
    },
  );

  it("a page that ends exactly at the last item says next_cursor null", async () => {
    expect((await listWatches(u, { limit: "53" })).next_cursor).toBeNull();
  });

  it("a user with nothing gets an empty page", async () => {
    const empty = await createUser(ctx, { tier: "watcher" });
    expect(await (await api(ctx, empty.key).v1.watchlist.$get({ query: {} })).json()).toEqual({ items: [], next_cursor: null });
  });

  it.each(["0", "201", "-1", "abc", "1.5"])("limit=%s → 400", async (limit) => {
    const res = await api(ctx, u.key).v1.watchlist.$get({ query: { limit } });
    expect((await bodyOf(res, 400)).error.message).toContain("limit");
  });

  // Pages both lists with cursors made from a watchlist cursor, so it stays here with the watchlist's pages.
  it("a tampered cursor → 400, never a 500", async () => {
    const client = api(ctx, u.key);
    const cursor = (await listWatches(u, { limit: "2" })).next_cursor ?? "";
    const decoded = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown[];
    const reencode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
    const tampered = [
      flip(cursor, 0),
      flip(cursor, Math.floor(cursor.length / 2)),
      flip(cursor, cursor.length - 2),
      cursor.slice(0, -4),
      `${cursor}AA`,
      `${cursor}!`,
      "not-a-cursor",
      "%00",
      "x".repeat(501),
      reencode([]),
      reencode({ at: decoded[0], id: decoded[1] }),
      reencode([decoded[0], decoded[1]]),
      reencode(["0000-01-01T00:00:00.000Z", decoded[1], decoded[2]]),
      reencode(["+275760-09-13T00:00:00.000Z", decoded[1], decoded[2]]),
      reencode([decoded[0], "wat_\u0000", decoded[2]]),
      reencode([decoded[0], "wat_other", decoded[2]]),
      reencode(["2026-02-30T00:00:00.000Z", decoded[1], decoded[2]]),
    ];
    for (const c of tampered) {
      // the client encodes the query, as encodeURIComponent did
      for (const [path, list] of [
        ["/v1/watchlist", client.v1.watchlist],
        ["/v1/channels", client.v1.channels],
      ] as const) {
        const res = await list.$get({ query: { cursor: c } });
        expect(res.status, `${path} cursor ${c}`).toBe(400);
        const { error } = await bodyOf(res, 400);
        expect(error.code).toBe("invalid_request");
        expect(error.message).toContain("cursor");
      }
    }
    // the untouched cursor still works
    expect((await client.v1.watchlist.$get({ query: { cursor } })).status).toBe(200);
  });
});
