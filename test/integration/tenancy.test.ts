import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestContext, createUser, type TestContext, type TestUser, uniq, watch } from "../helpers/app";

let ctx: TestContext;
let a: TestUser;
let b: TestUser;
let aWatch: Record<string, unknown>;
let aChannel: Record<string, unknown>;
let aAccountEmail: Record<string, unknown>;

type Json = Record<string, unknown>;
const items = (res: { json: Json }) => res.json.items as Json[];

beforeAll(async () => {
  ctx = await createTestContext();
  a = await createUser(ctx, { tier: "professional" });
  b = await createUser(ctx, { tier: "professional" });
  aWatch = await watch(ctx, a, { platform: uniq("tenancy"), min_severity: "medium" });
  const ch = await call(ctx, "POST", "/v1/channels", {
    token: a.key,
    body: { type: "webhook", url: `https://hooks.example.com/${uniq("a")}` },
  });
  expect(ch.status).toBe(201);
  aChannel = ch.json;
  aAccountEmail = items(await call(ctx, "GET", "/v1/channels", { token: a.key })).find((c) => c.type === "email") as Json;
  // B has resources of their own, so an empty answer is not mistaken for isolation
  await watch(ctx, b, { platform: uniq("tenancy-b") });
});
afterAll(() => ctx.close());

describe("another user's resources answer 404", () => {
  const attempts: [string, string, () => string, unknown][] = [
    ["GET watch", "GET", () => `/v1/watchlist/${aWatch.id}`, undefined],
    ["PATCH watch", "PATCH", () => `/v1/watchlist/${aWatch.id}`, { paused: true }],
    ["PATCH watch filters", "PATCH", () => `/v1/watchlist/${aWatch.id}`, { min_severity: "critical" }],
    ["DELETE watch", "DELETE", () => `/v1/watchlist/${aWatch.id}`, undefined],
    ["GET channel", "GET", () => `/v1/channels/${aChannel.id}`, undefined],
    ["PATCH channel", "PATCH", () => `/v1/channels/${aChannel.id}`, { enabled: false }],
    ["DELETE channel", "DELETE", () => `/v1/channels/${aChannel.id}`, undefined],
    ["GET account email channel", "GET", () => `/v1/channels/${aAccountEmail.id}`, undefined],
    ["PATCH account email channel", "PATCH", () => `/v1/channels/${aAccountEmail.id}`, { enabled: false }],
    ["DELETE account email channel", "DELETE", () => `/v1/channels/${aAccountEmail.id}`, undefined],
  ];

  it.each(attempts)("%s by user B → 404 not_found", async (_name, method, path, body) => {
    const res = await call(ctx, method, path(), { token: b.key, body });
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ error: { code: "not_found", message: expect.any(String), request_id: expect.any(String) } });
  });

  it("an id that exists for A answers exactly like an id that exists for nobody", async () => {
    const theirs = await call(ctx, "GET", `/v1/watchlist/${aWatch.id}`, { token: b.key });
    const nobodys = await call(ctx, "GET", "/v1/watchlist/wat_00000000000000000000000000000000", { token: b.key });
    expect(theirs.status).toBe(nobodys.status);
    expect((theirs.json.error as Json).message).toBe((nobodys.json.error as Json).message);
  });

  it("A's resources are unchanged afterwards", async () => {
    for (const [, method, path, body] of attempts) await call(ctx, method, path(), { token: b.key, body });
    const w = await call(ctx, "GET", `/v1/watchlist/${aWatch.id}`, { token: a.key });
    expect(w.status).toBe(200);
    expect(w.json).toEqual(aWatch);
    const ch = await call(ctx, "GET", `/v1/channels/${aChannel.id}`, { token: a.key });
    expect(ch.status).toBe(200);
    const { signing_secret: _secret, ...shown } = aChannel;
    expect(ch.json).toEqual(shown);
    expect(ch.json.status).toBe("active");
    const email = await call(ctx, "GET", `/v1/channels/${aAccountEmail.id}`, { token: a.key });
    expect(email.json).toEqual(aAccountEmail);
  });
});

describe("lists show only one's own", () => {
  it("watchlist", async () => {
    const mine = items(await call(ctx, "GET", "/v1/watchlist?limit=200", { token: a.key }));
    const theirs = items(await call(ctx, "GET", "/v1/watchlist?limit=200", { token: b.key }));
    expect(mine.map((w) => w.id)).toContain(aWatch.id);
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.map((w) => w.id)).not.toContain(aWatch.id);
    const mineIds = new Set(mine.map((w) => w.id));
    expect(theirs.some((w) => mineIds.has(w.id))).toBe(false);
  });

  it("channels", async () => {
    const mine = items(await call(ctx, "GET", "/v1/channels?limit=200", { token: a.key }));
    const theirs = items(await call(ctx, "GET", "/v1/channels?limit=200", { token: b.key }));
    expect(mine.map((c) => c.id).sort()).toEqual([aAccountEmail.id, aChannel.id].sort());
    expect(theirs).toHaveLength(1);
    expect(theirs[0].target).toBe(b.email);
  });

  it("GET /v1/me is the caller", async () => {
    expect((await call(ctx, "GET", "/v1/me", { token: a.key })).json.email).toBe(a.email);
    expect((await call(ctx, "GET", "/v1/me", { token: b.key })).json.email).toBe(b.email);
  });

  it("B cannot reach A through the body either: an identical watch is B's own, not a conflict", async () => {
    const same = await call(ctx, "POST", "/v1/watchlist", {
      token: b.key,
      body: { platform: aWatch.platform, min_severity: "medium" },
    });
    expect(same.status).toBe(201);
    expect(same.json.id).not.toBe(aWatch.id);
  });
});
