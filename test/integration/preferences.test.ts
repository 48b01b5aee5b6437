import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channels, documents, notifications, platforms, users } from "../../src/db/schema";
import { messageLinks } from "../../src/lib/links";
import { signToken } from "../../src/lib/tokens";
import { call, createTestContext, createUser, type TestContext, watch } from "../helpers/app";
import { PageClient, preferencesLink, signIn, textOf } from "../helpers/page";

type Json = Record<string, unknown>;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ allowPrivateWebhooks: true });
});
afterAll(() => ctx.close());

const watchlist = async (key: string) => (await call(ctx, "GET", "/v1/watchlist", { token: key })).json.items as Json[];
const channelsOf = async (key: string) => (await call(ctx, "GET", "/v1/channels", { token: key })).json.items as Json[];
const me = async (key: string) => (await call(ctx, "GET", "/v1/me", { token: key })).json;

describe("signing in with a link", () => {
  it("a valid link sets an HttpOnly, SameSite=Lax session cookie and answers 303 to /preferences (the token leaves the address bar)", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const page = new PageClient(ctx);
    const first = await page.get(await preferencesLink(ctx, u), { follow: false });
    expect(first.status).toBe(303);
    expect(first.headers.get("location")).toBe("/preferences");
    const cookie = first.setCookies.find((l) => l.startsWith("cw_prefs="));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const res = await page.get("/preferences");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(textOf(res.html)).toContain(`Signed in as ${u.email}`);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
  });

  it("the sign-in link of an email to the account address (7 days) works; tampered, expired, wrong-purpose, epoch-less or missing links get a 400 page", async () => {
    const u = await createUser(ctx);
    const now = ctx.clock.now();
    const user = { id: u.id, sessionEpoch: 0 };
    const fromEmail = new URL((await messageLinks(ctx.deps.keys, "http://x", user, "alerts", now, true)).manage);
    expect(fromEmail.pathname).toBe("/preferences");
    const ok = await new PageClient(ctx).get(`${fromEmail.pathname}${fromEmail.search}`);
    expect(ok.status).toBe(200);
    expect(ok.redirects).toEqual([{ status: 303, location: "/preferences" }]);

    const token = fromEmail.searchParams.get("token") ?? "";
    const [body, sig] = token.split(".");
    const tampered = `${body.slice(0, -2)}${body.endsWith("A") ? "B" : "A"}${body.slice(-1)}.${sig}`;
    const secs = Math.floor(now.getTime() / 1000);
    const expired = await signToken(ctx.deps.keys, { p: "preferences", s: u.id, e: secs - 1, v: 0 });
    const unsubscribe = await signToken(ctx.deps.keys, { p: "unsubscribe", s: u.id, e: secs + 60 });
    const manage = await signToken(ctx.deps.keys, { p: "manage", s: u.id, e: secs + 60 });
    // the 30-day links of earlier versions carried no epoch and went to Slack and webhooks too
    const legacy = await signToken(ctx.deps.keys, { p: "preferences", s: u.id, e: secs + 60 });
    for (const bad of [tampered, expired, unsubscribe, manage, legacy, "nonsense"]) {
      const res = await new PageClient(ctx).get(`/preferences?token=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(textOf(res.html)).toContain("damaged, has expired");
      expect(textOf(res.html)).toContain("have a new sign-in link emailed to you");
      expect(res.setCookies).toEqual([]);
    }
    const none = await new PageClient(ctx).get("/preferences");
    expect(none.status).toBe(400);
    expect(textOf(none.html)).toContain("Manage preferences");
  });

  it("a sign-in link expires after 7 days: the email's link works on day 6 and not on day 8", async () => {
    const u = await createUser(ctx);
    const issued = ctx.clock.now();
    const link = new URL(
      (await messageLinks(ctx.deps.keys, "http://x", { id: u.id, sessionEpoch: 0 }, "digests", issued, true)).manage,
    );
    const path = `${link.pathname}${link.search}`;
    try {
      ctx.clock.set(new Date(issued.getTime() + 6 * 86_400_000));
      expect((await new PageClient(ctx).get(path)).status).toBe(200);
      ctx.clock.set(new Date(issued.getTime() + 8 * 86_400_000));
      expect((await new PageClient(ctx).get(path)).status).toBe(400);
    } finally {
      ctx.clock.set(issued);
    }
  });

  it("a tampered session cookie is no session", async () => {
    const u = await createUser(ctx);
    const page = await signIn(ctx, u);
    const value = page.cookies.get("cw_prefs") ?? "";
    page.cookies.set("cw_prefs", `${value.slice(0, 5)}${value[5] === "A" ? "B" : "A"}${value.slice(6)}`);
    expect((await page.get("/preferences")).status).toBe(400);
  });
});

describe("the watchlist on the page", () => {
  it("adds and removes a watch; each change is visible through the API at once", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const page = await signIn(ctx, u);
    const added = await page.post("/preferences/watches/add", { platform: "Anthropic", min_severity: "high" });
    expect(added.status).toBe(303);
    expect(added.location).toBe("/preferences?done=watch_added#watchlist");
    const [w] = await watchlist(u.key);
    expect(w).toMatchObject({ platform: "anthropic", document: null, min_severity: "high" });
    expect(textOf((await page.get(added.location ?? "")).html)).toContain("Added to your watchlist.");
    // only fixed confirmations are shown: nothing from the URL is echoed
    const odd = textOf((await page.get("/preferences?done=toString")).html);
    expect(odd).not.toContain("toString");
    expect(odd).not.toContain("function");

    const removed = await page.post("/preferences/watches/remove", { id: w.id as string });
    expect(removed.status).toBe(303);
    expect(await watchlist(u.key)).toEqual([]);
  });

  it("a tier limit is a 403 page that explains the limit and the next plan; nothing is added", async () => {
    const u = await createUser(ctx);
    await watch(ctx, u, { platform: "anthropic" });
    const page = await signIn(ctx, u);
    const res = await page.post("/preferences/watches/add", { platform: "openai" });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const text = textOf(res.html);
    expect(text).toContain("free tier watches at most 1 platform");
    expect(text).toContain("free tier watches at most 1 platform. The Watcher plan watches up to 10 platforms.");
    // a document watch on free is a tier limit too, even with a malformed slug
    const doc = await page.post("/preferences/watches/add", { platform: "anthropic", document: "Not A Slug!" });
    expect(doc.status).toBe(403);
    expect(await watchlist(u.key)).toHaveLength(1);
  });

  it("a malformed platform and a duplicate are shown on the page (400, 409)", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const page = await signIn(ctx, u);
    const bad = await page.post("/preferences/watches/add", { platform: "not a slug!" });
    expect(bad.status).toBe(400);
    expect(textOf(bad.html)).toContain("platform:");
    await page.post("/preferences/watches/add", { platform: "netflix" });
    const dup = await page.post("/preferences/watches/add", { platform: "netflix" });
    expect(dup.status).toBe(409);
    expect(textOf(dup.html)).toContain("an identical watch exists");
  });

  it("a user cannot remove another user's watch by posting its id (404 page, the watch stays)", async () => {
    const alice = await createUser(ctx, { tier: "watcher" });
    const mallory = await createUser(ctx, { tier: "watcher" });
    const w = await watch(ctx, alice, { platform: "anthropic" });
    const page = await signIn(ctx, mallory);
    const res = await page.post("/preferences/watches/remove", { id: w.id as string });
    expect(res.status).toBe(404);
    expect(textOf(res.html)).toContain("watch not found");
    expect(await watchlist(alice.key)).toHaveLength(1);
    // nor change another user's channel
    const [aliceEmail] = await channelsOf(alice.key);
    expect((await page.post("/preferences/channels/enable", { id: aliceEmail.id as string, enabled: "false" })).status).toBe(404);
    expect((await channelsOf(alice.key))[0].status).toBe("active");
  });

  it("add by name: a catalog name in any case and a document title become slugs; an unknown name is refused with close matches and what was typed stays", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const now = ctx.clock.now();
    const suffix = u.id.slice(-6).toLowerCase();
    await ctx.database.db
      .insert(platforms)
      .values({ slug: `nflx-${suffix}`, name: `Netflix ${suffix}`, createdAt: now, updatedAt: now });
    await ctx.database.db
      .insert(documents)
      .values({ platformSlug: `nflx-${suffix}`, slug: "terms-of-use", title: "Terms of Use", createdAt: now, updatedAt: now });
    const page = await signIn(ctx, u);
    // the suggestions list carries catalog names
    expect((await page.get("/preferences")).html).toContain(`<option value="Netflix ${suffix}">`);
    const added = await page.post("/preferences/watches/add", {
      form: "by-name",
      platform: `NETFLIX ${suffix.toUpperCase()}`,
      document: "terms of use",
    });
    expect(added.location).toBe("/preferences?done=watch_added#watchlist");
    expect(await watchlist(u.key)).toMatchObject([{ platform: `nflx-${suffix}`, document: "terms-of-use" }]);

    const typed = `Netflx ${suffix} Streaming!`;
    const bad = await page.post("/preferences/watches/add", { form: "by-name", platform: typed, min_severity: "high" });
    expect(bad.status).toBe(400);
    expect(textOf(bad.html)).toContain(`Did you mean Netflix ${suffix}`);
    // the error sits beside the field, which keeps what was typed and is marked invalid
    expect(bad.html).toMatch(/<p class="field-error" id="platform-error" role="alert">/);
    const input = bad.html.match(/<input[^>]*id="w-platform"[^>]*>/)?.[0] ?? "";
    expect(input).toContain(`value="${typed}"`);
    expect(input).toContain('aria-invalid="true"');
    expect(bad.html).toMatch(/<option value="high" selected="">/);
    expect(await watchlist(u.key)).toHaveLength(1);
  });

  it("each message is shown in the section of the action, and each form posts to its own fragment", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const page = await signIn(ctx, u);
    const saved = (await page.get("/preferences?done=alerts_saved")).html;
    const alerts = saved.slice(saved.indexOf('<section id="alerts"'), saved.indexOf('<section id="messages"'));
    expect(alerts).toContain("Alert timing saved.");
    expect(saved.split("Alert timing saved.")).toHaveLength(2);
    expect(saved).toContain('action="/preferences/schedule#schedule"');
    expect(saved).toContain('action="/preferences/channels/add#add-webhook"');
    // a failed save re-renders with the typed value and the error beside the field
    const bad = await page.post("/preferences/alerts", {
      window_minutes: "9999",
      quiet: "on",
      quiet_start: "21:15",
      quiet_end: "06:00",
    });
    expect(bad.status).toBe(400);
    expect(bad.html).toMatch(/<input[^>]*id="a-window"[^>]*value="9999"[^>]*aria-invalid="true"/);
    expect(bad.html).toMatch(/<input[^>]*id="a-start"[^>]*value="21:15"/);
    expect(bad.html).toContain('id="window_minutes-error"');
  });

  it("searches the catalog on the server", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const now = ctx.clock.now();
    const suffix = u.id.slice(-6);
    await ctx.database.db.insert(platforms).values([
      { slug: `zebra-${suffix}`, name: `Zebra Social ${suffix}`, createdAt: now, updatedAt: now },
      { slug: `yak-${suffix}`, name: `Yak Mail ${suffix}`, createdAt: now, updatedAt: now },
    ]);
    const page = await signIn(ctx, u);
    const text = textOf((await page.get(`/preferences?q=${encodeURIComponent(`zebra social ${suffix}`)}`)).html);
    expect(text).toContain(`Zebra Social ${suffix}`);
    expect(text).not.toContain(`Yak Mail ${suffix}`);
  });
});

describe("CSRF", () => {
  it("a post without, or with a wrong, token is a 403 page and changes nothing", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const page = await signIn(ctx, u);
    const missing = await page.post("/preferences/watches/add", { platform: "anthropic", csrf: null });
    const wrong = await page.post("/preferences/watches/add", { platform: "anthropic", csrf: `${page.csrf.slice(0, -1)}x` });
    for (const res of [missing, wrong]) {
      expect(res.status).toBe(403);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(textOf(res.html)).toContain("Nothing was changed");
    }
    expect(await watchlist(u.key)).toEqual([]);
  });

  it("another user's token, another site's Origin, or no cookie is refused too", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const other = await signIn(ctx, await createUser(ctx));
    const page = await signIn(ctx, u);
    expect((await page.post("/preferences/unsubscribe", { csrf: other.csrf })).status).toBe(403);
    page.origin = "https://evil.example";
    expect((await page.post("/preferences/unsubscribe")).status).toBe(403);
    page.origin = null; // no Origin at all (older browsers): the token alone decides
    const cookieless = new PageClient(ctx, { origin: null });
    expect((await cookieless.post("/preferences/unsubscribe", { csrf: page.csrf })).status).toBe(403);
    const [row] = await ctx.database.db.select().from(users).where(eq(users.id, u.id));
    expect([row.alertsOff, row.digestsOff]).toEqual([false, false]);
    expect((await page.post("/preferences/unsubscribe")).status).toBe(303);
  });
});

describe("schedule, alerts and messages", () => {
  it("digest day, hour and zone are saved and visible through the API; the stored zone is selected", async () => {
    const u = await createUser(ctx);
    const page = await signIn(ctx, u);
    const res = await page.post("/preferences/schedule", { day: "fri", hour: "7", timezone: "Europe/Berlin" });
    expect(res.status).toBe(303);
    expect(await me(u.key)).toMatchObject({ timezone: "Europe/Berlin", digest: { day: "fri", hour: 7, send_when_empty: false } });
    const html = (await page.get("/preferences")).html;
    expect(html).toMatch(/<option value="Europe\/Berlin" selected="">/);
    expect(html).toMatch(/<option value="fri" selected="">Friday<\/option>/);

    const bad = await page.post("/preferences/schedule", { day: "fri", hour: "7", timezone: "Mars/Olympus" });
    expect(bad.status).toBe(400);
    expect(textOf(bad.html)).toContain("timezone: must be an IANA time zone name");
    expect((await me(u.key)).timezone).toBe("Europe/Berlin");
  });

  it("alert window and quiet hours are saved; unticking quiet hours clears them", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const page = await signIn(ctx, u);
    await page.post("/preferences/alerts", { window_minutes: "30", quiet: "on", quiet_start: "21:30", quiet_end: "06:45" });
    expect((await me(u.key)).alerts).toEqual({ window_minutes: 30, quiet_hours: { start: "21:30", end: "06:45" } });
    await page.post("/preferences/alerts", { window_minutes: "0", quiet_start: "21:30", quiet_end: "06:45" });
    expect((await me(u.key)).alerts).toEqual({ window_minutes: 0, quiet_hours: null });
    const bad = await page.post("/preferences/alerts", { window_minutes: "9999" });
    expect(bad.status).toBe(400);
    expect(textOf(bad.html)).toContain("alerts.window_minutes");
  });

  it("unsubscribe from everything, then turn the digest back on", async () => {
    const u = await createUser(ctx);
    const page = await signIn(ctx, u);
    expect((await page.post("/preferences/unsubscribe")).location).toBe("/preferences?done=unsubscribed#messages");
    let [row] = await ctx.database.db.select().from(users).where(eq(users.id, u.id));
    expect([row.alertsOff, row.digestsOff]).toEqual([true, true]);
    expect(textOf((await page.get("/preferences")).html)).toContain("You receive no messages from clausewatch.");
    await page.post("/preferences/messages", { digests: "on" });
    [row] = await ctx.database.db.select().from(users).where(eq(users.id, u.id));
    expect([row.alertsOff, row.digestsOff]).toEqual([true, false]);
  });
});

describe("channels on the page", () => {
  it("adds a webhook (its secret shown once), tests it, turns it off and on, and removes it", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const page = await signIn(ctx, u);
    const added = await page.post("/preferences/channels/add", { type: "webhook", url: "http://127.0.0.1:9/hook" });
    expect(added.status).toBe(200);
    expect(textOf(added.html)).toMatch(/Copy it now: it is not shown again\. whsec_[A-Za-z0-9+/=]+/);
    const hook = (await channelsOf(u.key)).find((c) => c.type === "webhook");
    expect(hook).toMatchObject({ status: "active", target: "http://127.0.0.1:9/hook" });
    expect(textOf((await page.get("/preferences")).html)).not.toContain("whsec_");

    expect((await page.post("/preferences/channels/test", { id: hook?.id as string })).status).toBe(303);
    const tests = await ctx.database.db
      .select()
      .from(notifications)
      .where(eq(notifications.channelId, hook?.id as string));
    expect(tests.map((n) => n.kind)).toEqual(["test"]);

    await page.post("/preferences/channels/enable", { id: hook?.id as string, enabled: "false" });
    expect((await channelsOf(u.key)).find((c) => c.id === hook?.id)).toMatchObject({ status: "disabled", status_reason: "user" });
    expect(textOf((await page.get("/preferences")).html)).toContain("Disabled: you turned it off");
    await page.post("/preferences/channels/enable", { id: hook?.id as string, enabled: "true" });
    expect((await channelsOf(u.key)).find((c) => c.id === hook?.id)?.status).toBe("active");
    await page.post("/preferences/channels/remove", { id: hook?.id as string });
    expect((await channelsOf(u.key)).map((c) => c.type)).toEqual(["email"]);
  });

  it("an added address waits for confirmation and gets exactly one confirmation email queued", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const page = await signIn(ctx, u);
    const res = await page.post("/preferences/channels/add", { type: "email", address: "second@example.com" });
    expect(res.location).toBe("/preferences?done=email_added#channels");
    const extra = (await channelsOf(u.key)).find((c) => c.target === "second@example.com");
    expect(extra?.status).toBe("pending_verification");
    const queued = await ctx.database.db
      .select()
      .from(notifications)
      .where(eq(notifications.channelId, extra?.id as string));
    expect(queued.map((n) => [n.kind, (n.payload as Json).notice])).toEqual([["notice", "verify_email"]]);
    expect(textOf((await page.get("/preferences")).html)).toContain("Waiting for confirmation");
  });

  it("why a channel was disabled is shown in words (a bounce)", async () => {
    const u = await createUser(ctx);
    await ctx.database.db.update(channels).set({ status: "disabled", statusReason: "bounced" }).where(eq(channels.userId, u.id));
    const page = await signIn(ctx, u);
    expect(textOf((await page.get("/preferences")).html)).toContain("Disabled: emails to this address bounced");
  });

  it("a free user is told that delivery beyond the account email needs Watcher, and a forged add is a 403 page", async () => {
    const u = await createUser(ctx);
    const page = await signIn(ctx, u);
    const text = textOf((await page.get("/preferences")).html);
    expect(text).toContain("Delivery to your account email only");
    expect(text).toContain("Watcher adds:");
    expect(text).not.toContain("Add to Slack");
    const res = await page.post("/preferences/channels/add", { type: "webhook", url: "not even a url" });
    expect(res.status).toBe(403);
    expect(textOf(res.html)).toContain("free tier delivers to the account email only");
  });
});

describe("accessibility basics", () => {
  it("every visible control has a label, forms group with fieldsets, and the page fits a phone", async () => {
    const u = await createUser(ctx, { tier: "professional" });
    const page = await signIn(ctx, u);
    const { html } = await page.get("/preferences");
    expect(html).toContain('<meta name="viewport" content="width=device-width,initial-scale=1"/>');
    expect(html).toMatch(/<html lang="en">/);
    const ids = [...html.matchAll(/<(?:input|select)\b([^>]*)>/g)]
      .map((m) => m[1])
      .filter((attrs) => !/type="hidden"/.test(attrs))
      .map((attrs) => attrs.match(/\bid="([^"]+)"/)?.[1]);
    expect(ids.length).toBeGreaterThan(8);
    for (const id of ids) {
      expect(id).toBeDefined();
      expect(html).toContain(`for="${id}"`);
    }
    expect((html.match(/<fieldset>/g) ?? []).length).toBe((html.match(/<legend>/g) ?? []).length);
    expect(html).toMatch(/<h1>[^<]+<\/h1>/);
  });
});
