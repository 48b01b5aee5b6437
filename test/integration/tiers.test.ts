import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestContext, createUser, type TestContext, type TestUser, uniq, watch } from "../helpers/app";

type Json = Record<string, unknown>;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const addWatch = (u: TestUser, body: Json) => call(ctx, "POST", "/v1/watchlist", { token: u.key, body });
const addChannel = (u: TestUser, body: Json) => call(ctx, "POST", "/v1/channels", { token: u.key, body });
const webhook = () => ({ type: "webhook", url: `https://hooks.example.com/${uniq("h")}` });
const setTier = (u: TestUser, body: Json) => call(ctx, "PATCH", `/v1/admin/users/${u.id}`, { token: ctx.adminToken, body });
const listAll = async (u: TestUser, path: string) =>
  (await call(ctx, "GET", `${path}?limit=200`, { token: u.key })).json.items as Json[];

/** A 403 tier_limit whose message names the limit. */
function expectTierLimit(res: { status: number; json: Json }, ...mentions: string[]) {
  expect(res.status, JSON.stringify(res.json)).toBe(403);
  const error = res.json.error as { code: string; message: string };
  expect(error.code).toBe("tier_limit");
  for (const m of mentions) expect(error.message).toContain(m);
}

describe("free", () => {
  let u: TestUser;
  let p: string;
  beforeAll(async () => {
    u = await createUser(ctx);
    p = uniq("free");
    await watch(ctx, u, { platform: p });
  });

  it("watches one platform", async () => {
    expectTierLimit(await addWatch(u, { platform: uniq("second") }), "1 platform");
  });

  it("watches at platform granularity only, without filters", async () => {
    expectTierLimit(await addWatch(u, { platform: p, document: "terms" }), "document", "watcher");
    expectTierLimit(await addWatch(u, { platform: p, document: "terms", provision: "x" }), "provision", "professional");
    expectTierLimit(await addWatch(u, { platform: p, min_severity: "high" }), "min_severity", "watcher");
    expectTierLimit(await addWatch(u, { platform: p, categories: ["ai-training"] }), "categories", "professional");
    expectTierLimit(await addWatch(u, { platform: "*", categories: ["ai-training"] }), '"*"');
  });

  it("is told the tier limit before anything else is wrong with the watch", async () => {
    expectTierLimit(await addWatch(u, { platform: p, document: "Not A Slug!" }), "document");
    expectTierLimit(await addWatch(u, { platform: p, min_severity: "apocalyptic" }), "min_severity");
    expectTierLimit(await addWatch(u, { platform: "Second Platform?" }), "1 platform");
    expectTierLimit(
      await call(ctx, "PATCH", `/v1/watchlist/${(await listAll(u, "/v1/watchlist"))[0].id}`, {
        token: u.key,
        body: { min_severity: 42 },
      }),
      "min_severity",
    );
    // what the tier does allow is still validated: 400
    expect((await addWatch(u, { platform: p, colour: "red" })).status).toBe(400);
  });

  it("an identical watch is a 409", async () => {
    const res = await addWatch(u, { platform: p });
    expect(res.status).toBe(409);
    expect((res.json.error as Json).code).toBe("conflict");
  });

  it.each([
    ["a webhook with a valid URL", webhook()],
    ["a webhook with an invalid URL", { type: "webhook", url: "not a url" }],
    ["a webhook with a private URL", { type: "webhook", url: "http://127.0.0.1/hook" }],
    ["a webhook whose URL is a number", { type: "webhook", url: 42 }],
    ["a webhook without a URL", { type: "webhook" }],
    ["a webhook with a huge URL", { type: "webhook", url: `https://x.example.com/${"a".repeat(100_000)}` }],
    ["a Slack channel", { type: "slack", bot_token: "xoxb-1234567890-abcdef", channel: "#general" }],
    ["another email address", { type: "email", address: "other@example.com" }],
    ["an invalid email address", { type: "email", address: "nope" }],
  ])("adding %s → 403 tier_limit (account email only)", async (_name, body) => {
    expectTierLimit(await addChannel(u, body), "account email only");
    expect(await listAll(u, "/v1/channels")).toHaveLength(1);
  });
});

describe("watcher", () => {
  it("watches up to 10 platforms, at platform or document level, with min_severity", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const ps = Array.from({ length: 10 }, () => uniq("w10"));
    for (const p of ps) await watch(ctx, u, { platform: p });
    expectTierLimit(await addWatch(u, { platform: uniq("eleventh") }), "10 platforms");
    // more watches on a platform already watched do not count again
    expect((await addWatch(u, { platform: ps[0], document: "terms", min_severity: "high" })).status).toBe(201);
    expect((await addWatch(u, { platform: ps[1], min_severity: "low" })).status).toBe(201);
    // deleting frees a platform
    const first = (await listAll(u, "/v1/watchlist")).find((w) => w.platform === ps[9]) as Json;
    expect((await call(ctx, "DELETE", `/v1/watchlist/${first.id}`, { token: u.key })).status).toBe(204);
    expect((await addWatch(u, { platform: uniq("eleventh") })).status).toBe(201);
  });

  it("has no provision watches, no categories and no wildcard", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const p = uniq("wp");
    expectTierLimit(await addWatch(u, { platform: p, document: "terms", provision: "arbitration" }), "provision");
    expectTierLimit(await addWatch(u, { platform: p, categories: ["arbitration"] }), "categories", "professional");
    expectTierLimit(await addWatch(u, { platform: "*", categories: ["arbitration"] }), '"*"', "professional");
    expectTierLimit(await addWatch(u, { platform: p, categories: "not-an-array" }), "categories");
    expect(await listAll(u, "/v1/watchlist")).toHaveLength(0);
  });

  it("has at most 3 channels, the account email included; paused and disabled ones do not count", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const one = await addChannel(u, webhook());
    expect(one.status).toBe(201);
    const pending = await addChannel(u, { type: "email", address: `${uniq("other")}@example.com` });
    expect(pending.status).toBe(201);
    expect(pending.json.status).toBe("pending_verification");
    // pending counts: the fourth is refused, whatever its fields
    expectTierLimit(await addChannel(u, webhook()), "3 channels");
    expectTierLimit(await addChannel(u, { type: "webhook", url: "ftp://nope" }), "3 channels");
    expectTierLimit(await addChannel(u, { type: "slack", bot_token: "xoxb-1234567890-abcdef", channel: "#c" }), "3 channels");
    // disabling one makes room; enabling it again is then over the limit
    expect(
      (await call(ctx, "PATCH", `/v1/channels/${one.json.id}`, { token: u.key, body: { enabled: false } })).json.status,
    ).toBe("disabled");
    expect((await addChannel(u, { type: "slack", bot_token: "xoxb-1234567890-abcdef", channel: "#c" })).status).toBe(201);
    expectTierLimit(
      await call(ctx, "PATCH", `/v1/channels/${one.json.id}`, { token: u.key, body: { enabled: true } }),
      "3 channels",
    );
    expect(await listAll(u, "/v1/channels")).toHaveLength(4);
  });
});

describe("professional", () => {
  it("watches provisions, categories and every platform with categories", async () => {
    const u = await createUser(ctx, { tier: "professional" });
    const p = uniq("pro");
    expect((await addWatch(u, { platform: p, document: "terms", provision: "arbitration", min_severity: "high" })).status).toBe(
      201,
    );
    expect((await addWatch(u, { platform: p, categories: ["arbitration", "ai-training"] })).status).toBe(201);
    // a category of its own: a stored "*" watch must not match other tests' events on a shared database
    const star = await addWatch(u, { platform: "*", categories: [uniq("only-here")] });
    expect(star.status).toBe(201);
    expect(star.json.platform).toBe("*");
    // "*" needs categories; a provision needs its document: the tier allows them, the request is wrong
    const noCats = await addWatch(u, { platform: "*" });
    expect(noCats.status).toBe(400);
    expect((noCats.json.error as Json).message).toContain("categories");
    expect((await addWatch(u, { platform: p, provision: "arbitration" })).status).toBe(400);
    // more than 10 platforms
    for (let i = 0; i < 11; i++) await watch(ctx, u, { platform: uniq("many") });
  });

  it("has at most 20 channels, the account email included", async () => {
    const u = await createUser(ctx, { tier: "professional" });
    for (let i = 0; i < 19; i++) expect((await addChannel(u, webhook())).status).toBe(201);
    expectTierLimit(await addChannel(u, webhook()), "20 channels");
    expect(await listAll(u, "/v1/channels")).toHaveLength(20);
  });
});

describe("the Watcher trial", () => {
  it("gives watcher features to a free user for 14 days", async () => {
    const created = await call(ctx, "POST", "/v1/admin/users", {
      token: ctx.adminToken,
      body: { email: `${uniq("trial")}@example.com`, trial: true },
    });
    expect(created.status).toBe(201);
    const user = created.json.user as Json;
    expect(user.tier).toBe("free");
    expect(user.effective_tier).toBe("watcher");
    const ends = new Date(user.trial_ends_at as string).getTime();
    expect(ends - ctx.clock.now().getTime()).toBe(14 * 86_400_000);

    const u: TestUser = { id: user.id as string, key: created.json.api_key as string, email: user.email as string };
    const p = uniq("trial");
    expect((await addWatch(u, { platform: p, document: "terms", min_severity: "high" })).status).toBe(201);
    expect((await addWatch(u, { platform: uniq("trial2") })).status).toBe(201);
    expectTierLimit(await addWatch(u, { platform: p, document: "terms", provision: "x" }), "provision");
    expect((await addChannel(u, webhook())).status).toBe(201);

    // when the trial ends, the user's own tier applies again and the extras pause
    const ended = await setTier(u, { trial_ends_at: new Date(ctx.clock.now().getTime() - 1000).toISOString() });
    expect(ended.status).toBe(200);
    expect(ended.json.effective_tier).toBe("free");
    const ws = await listAll(u, "/v1/watchlist");
    // the document watch no longer fits; the platform watch does (free keeps one platform)
    expect(ws.find((w) => w.document === "terms")).toMatchObject({ paused: true, paused_reason: "tier_limit" });
    expect(ws.filter((w) => !w.paused).map((w) => w.document)).toEqual([null]);
    const cs = await listAll(u, "/v1/channels");
    expect(cs.find((c) => c.type === "webhook")).toMatchObject({ status: "paused", status_reason: "tier_limit" });
  });

  it.each(["watcher", "professional"])("trial: true with tier %s → 400", async (tier) => {
    const res = await call(ctx, "POST", "/v1/admin/users", {
      token: ctx.adminToken,
      body: { email: `${uniq("t")}@example.com`, tier, trial: true },
    });
    expect(res.status).toBe(400);
    expect((res.json.error as Json).code).toBe("invalid_request");
    expect((res.json.error as Json).message).toContain("trial");
  });
});

describe("operator tier changes", () => {
  const snapshot = async (u: TestUser) => ({
    watches: await listAll(u, "/v1/watchlist"),
    channels: await listAll(u, "/v1/channels"),
  });
  const byId = (xs: Json[]) => Object.fromEntries(xs.map((x) => [x.id as string, x]));

  it("a downgrade pauses what no longer fits (oldest stay active), an upgrade resumes it exactly", async () => {
    const u = await createUser(ctx, { tier: "professional" });
    const step = async <T>(f: () => Promise<T>) => {
      ctx.clock.advance(1000); // distinct creation times make "oldest first" well defined
      return f();
    };
    const [p1, p2, p3, p4] = [uniq("d1"), uniq("d2"), uniq("d3"), uniq("d4")];
    const w1 = await step(() => watch(ctx, u, { platform: p1 }));
    const w2 = await step(() => watch(ctx, u, { platform: p1, document: "terms", min_severity: "high" }));
    const w3 = await step(() => watch(ctx, u, { platform: p1, document: "terms", provision: "arbitration" }));
    const w4 = await step(() => watch(ctx, u, { platform: p2, categories: ["ai-training"] }));
    const w5 = await step(() => watch(ctx, u, { platform: "*", categories: [uniq("only-here")] }));
    const w6 = await step(() => watch(ctx, u, { platform: p3 }));
    const w7 = await step(() => watch(ctx, u, { platform: p4 }));
    const userPaused = await call(ctx, "PATCH", `/v1/watchlist/${w7.id}`, { token: u.key, body: { paused: true } });
    expect(userPaused.json.paused_reason).toBe("user");

    const c1 = (await step(() => addChannel(u, webhook()))).json;
    const c2 = (await step(() => addChannel(u, webhook()))).json;
    const c3 = (await step(() => addChannel(u, { type: "slack", bot_token: "xoxb-1234567890-abcdef", channel: "#legal" }))).json;
    const c4 = (await step(() => addChannel(u, { type: "email", address: `${uniq("x")}@example.com` }))).json;
    const c5 = (await step(() => addChannel(u, webhook()))).json;
    expect((await call(ctx, "PATCH", `/v1/channels/${c5.id}`, { token: u.key, body: { enabled: false } })).status).toBe(200);
    const account = (await listAll(u, "/v1/channels")).find((c) => c.type === "email" && c.target === u.email) as Json;
    const before = await snapshot(u);

    // professional → watcher
    const down = await setTier(u, { tier: "watcher" });
    expect(down.status).toBe(200);
    expect(down.json.tier).toBe("watcher");
    let now = await snapshot(u);
    let ws = byId(now.watches);
    let cs = byId(now.channels);
    for (const w of [w1, w2, w6]) expect(ws[w.id as string]).toMatchObject({ paused: false, paused_reason: null });
    for (const w of [w3, w4, w5]) expect(ws[w.id as string]).toMatchObject({ paused: true, paused_reason: "tier_limit" });
    expect(ws[w7.id as string]).toMatchObject({ paused: true, paused_reason: "user" });
    for (const c of [account, c1, c2]) expect(cs[c.id as string]).toMatchObject({ status: "active", status_reason: null });
    for (const c of [c3, c4]) expect(cs[c.id as string]).toMatchObject({ status: "paused", status_reason: "tier_limit" });
    expect(cs[c5.id as string]).toMatchObject({ status: "disabled" });
    // nothing is deleted
    expect(now.watches).toHaveLength(before.watches.length);
    expect(now.channels).toHaveLength(before.channels.length);

    // watcher → free: the oldest platform watch and the account email stay
    expect((await setTier(u, { tier: "free" })).status).toBe(200);
    now = await snapshot(u);
    ws = byId(now.watches);
    cs = byId(now.channels);
    expect(now.watches.filter((w) => !w.paused).map((w) => w.id)).toEqual([w1.id]);
    for (const w of [w2, w3, w4, w5, w6]) expect(ws[w.id as string]).toMatchObject({ paused: true, paused_reason: "tier_limit" });
    expect(ws[w7.id as string].paused_reason).toBe("user");
    expect(now.channels.filter((c) => c.status === "active").map((c) => c.id)).toEqual([account.id]);
    for (const c of [c1, c2, c3, c4]) expect(cs[c.id as string]).toMatchObject({ status: "paused", status_reason: "tier_limit" });
    expect(cs[c5.id as string].status).toBe("disabled");
    // a paused watch cannot be resumed by hand past the limit
    expectTierLimit(await call(ctx, "PATCH", `/v1/watchlist/${w6.id}`, { token: u.key, body: { paused: false } }), "1 platform");

    // back up: exactly what there was
    const up = await setTier(u, { tier: "professional" });
    expect(up.status).toBe(200);
    expect(await snapshot(u)).toEqual(before);
    expect(byId(before.channels)[c4.id as string].status).toBe("pending_verification");
  });

  it("a round trip through free restores the exact watchlist of a watcher", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    for (let i = 0; i < 4; i++) {
      const p = uniq("rt");
      ctx.clock.advance(1000);
      await watch(ctx, u, { platform: p });
      ctx.clock.advance(1000);
      await watch(ctx, u, { platform: p, document: `doc-${i}`, min_severity: "medium" });
    }
    const before = await listAll(u, "/v1/watchlist");
    expect((await setTier(u, { tier: "free" })).status).toBe(200);
    const during = await listAll(u, "/v1/watchlist");
    expect(during.filter((w) => !w.paused)).toEqual([before[0]]);
    expect((await setTier(u, { tier: "watcher" })).status).toBe(200);
    expect(await listAll(u, "/v1/watchlist")).toEqual(before);
  });

  it("limits count active items only: after a downgrade, deleting an active watch lets a paused one resume", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    ctx.clock.advance(1000);
    const a = await watch(ctx, u, { platform: uniq("lim-a") });
    ctx.clock.advance(1000);
    const b = await watch(ctx, u, { platform: uniq("lim-b") });
    await setTier(u, { tier: "free" });
    expect((await call(ctx, "GET", `/v1/watchlist/${b.id}`, { token: u.key })).json.paused).toBe(true);
    expect((await call(ctx, "DELETE", `/v1/watchlist/${a.id}`, { token: u.key })).status).toBe(204);
    const resumed = await call(ctx, "PATCH", `/v1/watchlist/${b.id}`, { token: u.key, body: { paused: false } });
    expect(resumed.status).toBe(200);
    expect(resumed.json).toMatchObject({ paused: false, paused_reason: null });
  });

  it("an unknown user is a 404 and a bad tier a 400", async () => {
    expect((await call(ctx, "PATCH", "/v1/admin/users/usr_nope", { token: ctx.adminToken, body: { tier: "free" } })).status).toBe(
      404,
    );
    const u = await createUser(ctx);
    const bad = await setTier(u, { tier: "platinum" });
    expect(bad.status).toBe(400);
    expect((bad.json.error as Json).message).toContain("tier");
  });
});
