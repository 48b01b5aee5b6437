import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestContext, createUser, postEvent, type TestContext, uniq, watch } from "../helpers/app";
import { freshEvent } from "../helpers/events";

type Json = Record<string, unknown>;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const admin = (path: string) => call(ctx, "GET", path, { token: ctx.adminToken });

/** Every page of a list, following next_cursor. */
async function all(path: string, limit: number): Promise<Json[]> {
  const out: Json[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 50; i++) {
    const sep = path.includes("?") ? "&" : "?";
    const res = await admin(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(res.status).toBe(200);
    out.push(...(res.json.items as Json[]));
    cursor = res.json.next_cursor as string | null;
    if (!cursor) return out;
  }
  throw new Error("too many pages");
}

describe("GET /v1/admin/users", () => {
  it("lists newest first, filters by exact email and stored tier, and pages without repeats", async () => {
    const tag = uniq("ops");
    const made = [];
    for (let i = 0; i < 5; i++) {
      made.push(await createUser(ctx, { email: `${tag}-${i}@example.com`, tier: i % 2 ? "watcher" : "free" }));
      ctx.clock.advance(1000);
    }
    const byEmail = await admin(`/v1/admin/users?email=${encodeURIComponent(made[2].email.toUpperCase())}`);
    expect(byEmail.status).toBe(200);
    expect((byEmail.json.items as Json[]).map((u) => u.id)).toEqual([made[2].id]);
    expect(byEmail.json.next_cursor).toBeNull();

    const everyone = await all("/v1/admin/users", 2);
    const mine = everyone.filter((u) => String(u.email).startsWith(tag));
    expect(mine.map((u) => u.id)).toEqual([...made].reverse().map((u) => u.id));
    expect(new Set(everyone.map((u) => u.id)).size).toBe(everyone.length);

    const watchers = await all("/v1/admin/users?tier=watcher", 50);
    expect(watchers.every((u) => u.tier === "watcher")).toBe(true);
    expect(watchers.filter((u) => String(u.email).startsWith(tag)).map((u) => u.id)).toEqual([made[3].id, made[1].id]);
  });

  it("needs the operator token; bad filters and cursors are 400", async () => {
    const u = await createUser(ctx);
    expect((await call(ctx, "GET", "/v1/admin/users", { token: u.key })).status).toBe(401);
    expect((await call(ctx, "GET", "/v1/admin/users")).status).toBe(401);
    expect((await admin("/v1/admin/users?tier=gold")).status).toBe(400);
    expect((await admin("/v1/admin/users?cursor=nonsense")).status).toBe(400);
    expect((await admin("/v1/admin/users?limit=201")).status).toBe(400);
  });
});

describe("GET /v1/admin/events", () => {
  it("shows each event with what its fan-out did, newest first, filtered by platform and since", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const platform = `${u.id.slice(-8)}-ops`;
    await watch(ctx, u, { platform });
    const first = freshEvent("01-anthropic-ai-training", { platformSlug: platform });
    expect((await postEvent(ctx, first)).status).toBe(202);
    const since = new Date(ctx.clock.now().getTime() + 1000);
    ctx.clock.set(since);
    const second = freshEvent("03-netflix-ai-prohibition", { platformSlug: platform });
    expect((await postEvent(ctx, second)).status).toBe(202);

    const one = await admin(`/v1/admin/events/${encodeURIComponent(first.id)}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({
      id: first.id,
      type: first.type,
      platform: { slug: platform, name: first.platform.name },
      document: { slug: first.document.slug, title: first.document.title },
      severity: first.severity,
      matched_users: 1,
      alerts: 1,
      digest_items: 1,
    });
    expect(typeof one.json.fanned_out_at).toBe("string");
    expect(one.json).not.toHaveProperty("payload");

    const list = await admin(`/v1/admin/events?platform=${platform}`);
    expect((list.json.items as Json[]).map((e) => e.id)).toEqual([second.id, first.id]);
    const recent = await admin(`/v1/admin/events?platform=${platform}&since=${encodeURIComponent(since.toISOString())}`);
    expect((recent.json.items as Json[]).map((e) => e.id)).toEqual([second.id]);
    const paged = await all(`/v1/admin/events?platform=${platform}`, 1);
    expect(paged.map((e) => e.id)).toEqual([second.id, first.id]);

    expect((await admin(`/v1/admin/events/${encodeURIComponent(`${first.id}-missing`)}`)).status).toBe(404);
    expect((await call(ctx, "GET", `/v1/admin/events/${encodeURIComponent(first.id)}`, { token: u.key })).status).toBe(401);
    expect((await admin("/v1/admin/events?since=yesterday")).status).toBe(400);
  });
});
