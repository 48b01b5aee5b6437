import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channels, oauthStates } from "../../src/db/schema";
import { signToken } from "../../src/lib/tokens";
import type { FakeSlack, OAuthGrant } from "../fakes/slack";
import { call, createTestContext, createUser, type TestContext, type TestUser } from "../helpers/app";
import { createDelivery, type Providers, startProviders } from "../helpers/delivery";
import { PageClient, signIn, textOf } from "../helpers/page";

type Json = Record<string, unknown>;

const CLIENT = { clientId: "111.222", clientSecret: "slack-client-secret" };
const grant = (n: number): OAuthGrant => ({
  access_token: `xoxb-1111-2222-token${n}abcdef`,
  team: { id: "T0TEAM", name: "Acme" },
  scope: "chat:write,incoming-webhook",
  incoming_webhook: {
    channel: `#legal-${n}`,
    channel_id: `C0LEGAL${n}`,
    configuration_url: "https://acme.slack.com/services/B1",
    url: `https://hooks.slack.com/services/T0TEAM/B${n}/secret`,
  },
});
const codes: Record<string, OAuthGrant> = Object.fromEntries([1, 2, 3, 4, 5, 6].map((n) => [`code-${n}`, grant(n)]));

let ctx: TestContext;
let slack: FakeSlack;
let providers: Providers;
beforeAll(async () => {
  providers = await startProviders({ slack: { oauth: { ...CLIENT, codes } } });
  slack = providers.slack;
  ctx = await createTestContext({ config: { slack: { ...CLIENT, apiUrl: slack.apiUrl } } });
});
afterAll(async () => {
  await providers.close();
  await ctx.close();
});

/** Starts "Add to Slack" from the preference page's link; returns the browser and Slack's authorize URL. */
async function install(u: TestUser) {
  const page = await signIn(ctx, u);
  // the page's link carries no token: the session cookie identifies the user
  const href = (await page.get("/preferences")).html.match(/href="(\/slack\/install)"/)?.[1];
  if (!href) throw new Error("no Add to Slack link on the page");
  const res = await page.get(href.replace(/&amp;/g, "&"));
  return { page, res, authorize: res.status === 302 ? new URL(res.headers.get("location") ?? "") : null };
}

const callback = (page: PageClient, params: Record<string, string>) =>
  page.get(`/slack/oauth/callback?${new URLSearchParams(params)}`);

const channelsOf = async (u: TestUser) => (await call(ctx, "GET", "/v1/channels", { token: u.key })).json.items as Json[];

describe("Add to Slack", () => {
  it("redirects to Slack's authorize URL with the scopes, the callback and a signed state", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const { res, authorize, page } = await install(u);
    expect(res.status).toBe(302);
    expect(`${authorize?.origin}${authorize?.pathname}`).toBe("https://slack.com/oauth/v2/authorize");
    expect(authorize?.searchParams.get("client_id")).toBe(CLIENT.clientId);
    expect(authorize?.searchParams.get("scope")).toBe("chat:write,incoming-webhook");
    expect(authorize?.searchParams.get("redirect_uri")).toBe("http://clausewatch.test/slack/oauth/callback");
    expect(authorize?.searchParams.get("state")).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(page.cookies.get("cw_slack_state")).toBeTruthy();
  });

  it("the callback stores the bot token encrypted, creates the channel from the incoming_webhook grant and welcomes it", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const { page, authorize } = await install(u);
    const res = await callback(page, { code: "code-1", state: authorize?.searchParams.get("state") ?? "" });
    expect(res.status).toBe(200);
    expect(textOf(res.html)).toContain("Alerts and digests now go to #legal-1 in Acme");
    const slackChannel = (await channelsOf(u)).find((c) => c.type === "slack");
    expect(slackChannel).toMatchObject({ target: "C0LEGAL1", status: "active" });
    const [row] = await ctx.database.db
      .select()
      .from(channels)
      .where(eq(channels.id, slackChannel?.id as string));
    expect(row.secretEnc).toMatch(/^v1\./);
    expect(row.secretEnc).not.toContain("token1");
    const exchange = slack.requests.find((r) => r.method === "oauth.v2.access" && r.params.code === "code-1");
    expect(exchange?.params.redirect_uri).toBe("http://clausewatch.test/slack/oauth/callback");

    await createDelivery(ctx, providers).dispatcher.runOnce();
    const welcome = slack.messages.filter((m) => m.channel === "C0LEGAL1");
    expect(welcome).toHaveLength(1);
    expect(welcome[0].token).toBe(grant(1).access_token);
  });

  it("a replayed state is refused with a 400 page and creates nothing", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const { page, authorize } = await install(u);
    const state = authorize?.searchParams.get("state") ?? "";
    expect((await callback(page, { code: "code-2", state })).status).toBe(200);
    // the browser may still hold the state cookie (a racing tab): set it back and replay
    const nonce = JSON.parse(Buffer.from(state.split(".")[0], "base64url").toString()).x as string;
    page.cookies.set("cw_slack_state", nonce);
    const replay = await callback(page, { code: "code-3", state });
    expect(replay.status).toBe(400);
    expect(textOf(replay.html)).toContain("already used");
    expect((await channelsOf(u)).filter((c) => c.type === "slack")).toHaveLength(1);
    const [st] = await ctx.database.db.select().from(oauthStates).where(eq(oauthStates.nonce, nonce));
    expect(st.usedAt).not.toBeNull();
  });

  it("a bad, forged, expired or other-browser state is refused with a 400 page", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const { page, authorize } = await install(u);
    const state = authorize?.searchParams.get("state") ?? "";
    const nonce = page.cookies.get("cw_slack_state") ?? "";
    const now = Math.floor(ctx.clock.now().getTime() / 1000);
    const forged = await signToken(ctx.deps.keys, { p: "preferences", s: u.id, e: now + 600, x: nonce });
    const expired = await signToken(ctx.deps.keys, { p: "slack-state", s: u.id, e: now - 1, x: nonce });
    for (const bad of ["", "garbage", `${state}x`, forged, expired]) {
      const res = await callback(page, { code: "code-4", state: bad });
      expect(res.status).toBe(400);
      expect(textOf(res.html)).toContain("did not carry a valid state");
    }
    const elsewhere = new PageClient(ctx);
    const other = await callback(elsewhere, { code: "code-4", state });
    expect(other.status).toBe(400);
    expect(textOf(other.html)).toContain("started in another browser");
    expect((await channelsOf(u)).filter((c) => c.type === "slack")).toEqual([]);
    expect(slack.requests.filter((r) => r.params.code === "code-4")).toEqual([]);
  });

  it("Slack refusing the code, or the user cancelling, shows a page and creates nothing", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    let { page, authorize } = await install(u);
    const refused = await callback(page, { code: "no-such-code", state: authorize?.searchParams.get("state") ?? "" });
    expect(refused.status).toBe(400);
    expect(textOf(refused.html)).toContain("Slack refused the installation (invalid_code)");
    ({ page, authorize } = await install(u));
    const cancelled = await callback(page, { error: "access_denied", state: authorize?.searchParams.get("state") ?? "" });
    expect(cancelled.status).toBe(200);
    expect(textOf(cancelled.html)).toContain("You cancelled in Slack; nothing changed.");
    expect((await channelsOf(u)).filter((c) => c.type === "slack")).toEqual([]);
  });

  it("a free user gets a page explaining the limit, before Slack and again at the callback", async () => {
    const free = await createUser(ctx);
    const token = await signToken(ctx.deps.keys, { p: "preferences", s: free.id, e: Math.floor(Date.now() / 1000) + 600, v: 0 });
    const before = await new PageClient(ctx).get(`/slack/install?token=${encodeURIComponent(token)}`);
    expect(before.status).toBe(403);
    expect(textOf(before.html)).toContain("free tier delivers to the account email only");
    expect(textOf(before.html)).toContain("The Watcher plan delivers to up to 3 channels (email, Slack, webhook)");

    // a watcher starts, is downgraded meanwhile, then comes back from Slack
    const u = await createUser(ctx, { tier: "watcher" });
    const { page, authorize } = await install(u);
    await call(ctx, "PATCH", `/v1/admin/users/${u.id}`, { token: ctx.adminToken, body: { tier: "free" } });
    const after = await callback(page, { code: "code-5", state: authorize?.searchParams.get("state") ?? "" });
    expect(after.status).toBe(403);
    expect(textOf(after.html)).toContain("free tier delivers to the account email only");
    expect((await channelsOf(u)).filter((c) => c.type === "slack")).toEqual([]);
  });

  it("a bad install link is a 400 page", async () => {
    const res = await new PageClient(ctx).get("/slack/install?token=nope");
    expect(res.status).toBe(400);
    expect(textOf(res.html)).toContain("damaged or has expired");
  });
});

describe("without SLACK_CLIENT_ID / SLACK_CLIENT_SECRET", () => {
  it("the page has no Add to Slack link and /slack/* answer a 404 page", async () => {
    const plain = await createTestContext({ database: ctx.database });
    const u = await createUser(plain, { tier: "watcher" });
    const page = await signIn(plain, u);
    expect(textOf((await page.get("/preferences")).html)).not.toContain("Add to Slack");
    for (const path of ["/slack/install?token=x", "/slack/oauth/callback?code=code-6&state=x"]) {
      const res = await page.get(path);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    }
  });
});
