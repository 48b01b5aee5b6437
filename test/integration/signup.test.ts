import { and, eq, isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailFingerprint } from "../../src/db/queries/users";
import { notifications, signups, trialGrants, users, watches } from "../../src/db/schema";
import { runTrialJob } from "../../src/jobs/trials";
import { fromBase64Url } from "../../src/lib/crypto";
import { SIGNUP_CONFIRM_SUBJECT, WELCOME_SUBJECT } from "../../src/lib/format";
import { call, createTestContext, createUser, type TestContext, uniq, watch } from "../helpers/app";
import { createDelivery, type Delivery, type Providers, startProviders } from "../helpers/delivery";
import { PageClient, textOf } from "../helpers/page";

/*
 * The site's "Create free account" and "Start … free trial" buttons, as a person goes through
 * them: POST /v1/signup (the same answer for every address), the confirmation email, the page
 * whose GET changes nothing and whose button confirms once, the welcome email with its sign-in
 * link, and one trial per address, ever.
 */

type Json = Record<string, unknown>;

let ctx: TestContext;
let p: Providers;
let d: Delivery;
beforeAll(async () => {
  ctx = await createTestContext();
  p = await startProviders();
  d = createDelivery(ctx, p);
});
afterAll(async () => {
  await p.close();
  await ctx.close();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const address = (prefix = "signup") => `${uniq(prefix)}@example.com`;
const signUp = (body: Json) => call(ctx, "POST", "/v1/signup", { body });
const mailTo = (to: string) =>
  p.resend.emails.filter((e) => (Array.isArray(e.to) ? e.to : [e.to]).some((x) => x.toLowerCase() === to.toLowerCase()));

/** Every URL of this service in a text, entities undone. */
function serviceLinks(text: string): URL[] {
  const found = text.replace(/&amp;/g, "&").match(/http:\/\/clausewatch\.test\/[^\s"'<>|\\)]+/g) ?? [];
  return [...new Set(found)].map((u) => new URL(u));
}

/** The claims of every signed token a link carries (path segment or ?token=). */
function tokenClaims(url: URL): { p: string; s: string }[] {
  const candidates = [...url.pathname.split("/"), ...url.searchParams.values()].map((x) => decodeURIComponent(x));
  return candidates.flatMap((t) => {
    const [body, sig, extra] = t.split(".");
    if (!body || !sig || extra !== undefined) return [];
    try {
      return [JSON.parse(new TextDecoder().decode(fromBase64Url(body))) as { p: string; s: string }];
    } catch {
      return [];
    }
  });
}

/** Signs up, delivers, and answers the confirmation email and its link (as a path). */
async function confirmationFor(email: string, body: Json = {}) {
  const res = await signUp({ email, ...body });
  expect(res.status).toBe(202);
  await d.dispatcher.runOnce();
  const mails = mailTo(email).filter((m) => m.subject === SIGNUP_CONFIRM_SUBJECT);
  const mail = mails[mails.length - 1];
  expect(mail, `a confirmation email to ${email}`).toBeDefined();
  const link = serviceLinks(`${mail.html}\n${mail.text}`).find((l) => l.pathname === "/signup/confirm");
  expect(link, "the confirm link").toBeDefined();
  return { mail, path: `${(link as URL).pathname}${(link as URL).search}`, token: (link as URL).searchParams.get("token") ?? "" };
}

/** Opens the link and presses the page's button, as a browser does. */
async function confirm(path: string) {
  const page = new PageClient(ctx);
  const shown = await page.get(path);
  expect(shown.status).toBe(200);
  const token = shown.html.match(/name="token" value="([^"]+)"/)?.[1] ?? "";
  return page.post("/signup/confirm", { token, csrf: null });
}

const adminUser = async (email: string) => {
  const res = await call(ctx, "GET", `/v1/admin/users?email=${encodeURIComponent(email)}`, { token: ctx.adminToken });
  expect(res.status).toBe(200);
  return (res.json.items as Json[])[0];
};

describe("POST /v1/signup", () => {
  it("answers 202 check_your_email for a new and a known address alike, and queues the same work for both", async () => {
    const fresh = address("new");
    const known = (await createUser(ctx)).email;
    const a = await signUp({ email: fresh, platform: "anthropic" });
    const b = await signUp({ email: known, platform: "anthropic" });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.json).toEqual({ status: "check_your_email" });
    expect(b.json).toEqual(a.json);
    expect([...b.headers.keys()].sort()).toEqual([...a.headers.keys()].sort());
    // the outbox row does not name the account either: both are address notices, user and channel unset
    for (const email of [fresh, known]) {
      const queued = await ctx.database.db
        .select()
        .from(notifications)
        .where(sql`${notifications.payload}->>'address' = ${email}`);
      expect(queued).toHaveLength(1);
      expect(queued[0]).toMatchObject({ userId: null, channelId: null, kind: "notice" });
      expect(await ctx.database.db.select().from(signups).where(eq(signups.email, email))).toHaveLength(1);
    }
    // and no account was created for the new address
    expect(await adminUser(fresh)).toBeUndefined();
  });

  it.each([
    [{ email: "not-an-address" }, "email"],
    [{}, "email"],
    [{ email: "x@example.com", plan: "enterprise_trial" }, "plan"],
    [{ email: "x@example.com", platform: "*" }, "platform"],
    [{ email: "x@example.com", platform: "Not A Slug!" }, "platform"],
    [{ email: "x@example.com", timezone: "Mars/Olympus" }, "timezone"],
  ])("%j → 400 invalid_request naming %s, in the contract's error shape", async (body, field) => {
    const res = await signUp(body);
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: { code: "invalid_request", message: expect.stringContaining(field), request_id: expect.any(String) },
    });
  });

  it("emails a confirmation (subject contains Confirm) with one single-use link to PUBLIC_URL/signup/confirm and its own unsubscribe link, nothing that signs in", async () => {
    const email = address();
    const { mail, token } = await confirmationFor(email, { plan: "watcher_trial", platform: "openai" });
    expect(mail.subject).toContain("Confirm");
    expect(mail.text).toContain("14-day Watcher trial");
    const links = serviceLinks(`${mail.html}\n${mail.text}\n${JSON.stringify(mail.headers)}`);
    expect(new Set(links.map((l) => l.pathname.split("/")[1]))).toEqual(new Set(["signup", "unsubscribe"]));
    const purposes = links.flatMap(tokenClaims).map((c) => c.p);
    expect(purposes).toContain("signup");
    expect(purposes).not.toContain("preferences");
    expect(purposes).not.toContain("manage");
    expect(mail.headers?.["List-Unsubscribe"]).toMatch(/^<http:\/\/clausewatch\.test\/unsubscribe\//);
    expect(textOf(mail.html ?? "")).not.toContain("Manage preferences");
    // the stored row holds no token (nor a hash of one): the link is signed and names the row
    const [row] = await ctx.database.db.select().from(signups).where(eq(signups.email, email));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(tokenClaims(new URL(`http://clausewatch.test/?token=${encodeURIComponent(token)}`))[0].s).toBe(row.id);
  });
});

describe("the confirmation page", () => {
  it("GET shows a button and changes nothing, however often it is opened; the POST creates the account once", async () => {
    const email = address();
    const { path } = await confirmationFor(email, { platform: "anthropic" });
    for (let i = 0; i < 2; i++) {
      const shown = await new PageClient(ctx).get(path);
      expect(shown.status).toBe(200);
      expect(textOf(shown.html)).toContain(`Create a free account for ${email}, watching anthropic?`);
      expect(shown.html).toMatch(/<form method="post" action="\/signup\/confirm">/);
      expect(shown.html).toContain("Confirm sign-up");
    }
    expect(await adminUser(email)).toBeUndefined();

    const done = await confirm(path);
    expect(done.status).toBe(200);
    expect(textOf(done.html)).toContain("Your account is ready");
    const user = await adminUser(email);
    expect(user).toMatchObject({ email, tier: "free", effective_tier: "free", trial_tier: null, trial_ends_at: null });

    // the link is spent: the page says so, in words, for both GET and POST
    const again = await new PageClient(ctx).get(path);
    expect(again.status).toBe(400);
    expect(textOf(again.html)).toContain("This link was used already");
    const token = new URLSearchParams(path.split("?")[1]).get("token") ?? "";
    const replay = await new PageClient(ctx).post("/signup/confirm", { token, csrf: null });
    expect(replay.status).toBe(400);
    expect(textOf(replay.html)).toContain("each sign-up link works once");
    expect(textOf(replay.html)).not.toMatch(/POST|API|invalid_request|token/);
  });

  it("a new address gets its account email channel, as operator-created users do", async () => {
    const email = address();
    const { path } = await confirmationFor(email);
    expect((await confirm(path)).status).toBe(200);
    const user = await adminUser(email);
    const chans = await ctx.database.db.execute(
      sql`select type, target, status, is_account_email from channels where user_id = ${user.id as string}`,
    );
    const list = (Array.isArray(chans) ? chans : (chans as { rows: unknown[] }).rows) as Json[];
    expect(list).toEqual([{ type: "email", target: email, status: "active", is_account_email: true }]);
  });

  it("works for 24 hours: a link opened later shows a clear page and creates nothing", async () => {
    const email = address();
    const { path, token } = await confirmationFor(email);
    ctx.clock.advance(23 * HOUR);
    expect((await new PageClient(ctx).get(path)).status).toBe(200);
    ctx.clock.advance(HOUR + 1000);
    const late = await new PageClient(ctx).get(path);
    expect(late.status).toBe(400);
    expect(textOf(late.html)).toContain("sign-up links work for 24 hours");
    const post = await new PageClient(ctx).post("/signup/confirm", { token, csrf: null });
    expect(post.status).toBe(400);
    expect(await adminUser(email)).toBeUndefined();
  });

  it("a damaged link or a token of another purpose is refused", async () => {
    const { token } = await confirmationFor(address());
    const damaged = await new PageClient(ctx).get(`/signup/confirm?token=${encodeURIComponent(`${token}x`)}`);
    expect(damaged.status).toBe(400);
    const user = await createUser(ctx);
    const link = await call(ctx, "POST", "/v1/me/preferences-link", { token: user.key });
    const signIn = new URL(link.json.url as string).searchParams.get("token") ?? "";
    expect((await new PageClient(ctx).post("/signup/confirm", { token: signIn, csrf: null })).status).toBe(400);
  });
});

describe("what a confirmed sign-up gets", () => {
  it("the platform it named is watched", async () => {
    const email = address();
    const { path } = await confirmationFor(email, { platform: "openai" });
    const done = await confirm(path);
    expect(textOf(done.html)).toContain("You now watch openai.");
    const user = await adminUser(email);
    const ws = await ctx.database.db
      .select()
      .from(watches)
      .where(eq(watches.userId, user.id as string));
    expect(ws.map((w) => [w.platform, w.document, w.provision, w.paused])).toEqual([["openai", null, null, false]]);
  });

  it("a welcome email with a sign-in link, to the account address only; the link opens the preference page", async () => {
    const email = address();
    const { path } = await confirmationFor(email, { platform: "anthropic", plan: "professional_trial" });
    await confirm(path);
    const before = p.resend.emails.length;
    await d.dispatcher.runOnce();
    const sent = p.resend.emails.slice(before);
    expect(sent.map((m) => [m.to, m.subject])).toEqual([[email, WELCOME_SUBJECT]]);
    const [welcome] = sent;
    expect(welcome.text).toContain("Your account watches anthropic");
    expect(welcome.text).toContain("Professional trial runs until");
    const user = await adminUser(email);
    const signInLinks = serviceLinks(`${welcome.html}\n${welcome.text}`).filter((l) => l.pathname === "/preferences");
    expect(signInLinks.length).toBeGreaterThan(0);
    for (const l of signInLinks) expect(tokenClaims(l)).toEqual([expect.objectContaining({ p: "preferences", s: user.id })]);
    const browser = new PageClient(ctx);
    const opened = await browser.get(`${signInLinks[0].pathname}${signInLinks[0].search}`);
    expect(opened.status).toBe(200);
    expect(opened.redirects[0]).toMatchObject({ status: 303, location: "/preferences" });

    // the welcome notice is bound to the account email channel: the outbox never sends it elsewhere
    const [row] = await ctx.database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, user.id as string), sql`${notifications.payload}->>'notice' = 'welcome'`));
    expect(row.status).toBe("sent");
  });
});

describe("trials: both tiers, one per address, ever", () => {
  it("watcher_trial → Watcher for 14 days, shown as trial_tier and trial_ends_at", async () => {
    const email = address();
    const { path } = await confirmationFor(email, { plan: "watcher_trial" });
    await confirm(path);
    const user = await adminUser(email);
    const ends = new Date(ctx.clock.now().getTime() + 14 * DAY).toISOString();
    expect(user).toMatchObject({ tier: "free", effective_tier: "watcher", trial_tier: "watcher", trial_ends_at: ends });
  });

  it("professional_trial → Professional entitlements (provision watches, timeline) until the trial ends", async () => {
    const email = address();
    const { path } = await confirmationFor(email, { plan: "professional_trial", platform: "anthropic" });
    const done = await confirm(path);
    expect(textOf(done.html)).toContain("Your Professional trial runs until");
    expect(await adminUser(email)).toMatchObject({ tier: "free", effective_tier: "professional", trial_tier: "professional" });

    // the same trial through the operator API, whose key lets us use what it entitles
    const u = await createUser(ctx, { trial: "professional" });
    expect((await call(ctx, "GET", `/v1/admin/users/${u.id}`, { token: ctx.adminToken })).json).toMatchObject({
      effective_tier: "professional",
      trial_tier: "professional",
    });
    const provision = { platform: "anthropic", document: "claudeai-terms-of-service", provision: "arbitration" };
    expect((await call(ctx, "POST", "/v1/watchlist", { token: u.key, body: provision })).status).toBe(201);
    expect((await call(ctx, "GET", "/v1/timeline", { token: u.key })).status).toBe(200);
    ctx.clock.advance(14 * DAY + 1000);
    const after = await call(ctx, "GET", "/v1/timeline", { token: u.key });
    expect(after.status).toBe(403);
    expect((after.json.error as Json).code).toBe("tier_limit");
  });

  it("the trial-ending email names the Professional trial", async () => {
    const u = await createUser(ctx, { trial: "professional" });
    ctx.clock.advance(12 * DAY);
    await runTrialJob({ database: ctx.database, now: ctx.clock.now() });
    await d.dispatcher.runOnce();
    const [mail] = mailTo(u.email);
    expect(mail.subject).toMatch(/^Your clausewatch Professional trial is ending/);
    expect(mail.text).toContain("Your Professional trial ends on");
  });

  it("a second sign-up with a trial for the same address gets none, also after the first trial ended", async () => {
    const email = address();
    await confirm((await confirmationFor(email, { plan: "watcher_trial" })).path);
    ctx.clock.advance(15 * DAY);
    await runTrialJob({ database: ctx.database, now: ctx.clock.now() });
    const again = await confirm((await confirmationFor(email, { plan: "professional_trial" })).path);
    expect(again.status).toBe(200);
    expect(textOf(again.html)).toContain("No Professional trial was started: each address gets one free trial");
    expect(await adminUser(email)).toMatchObject({ tier: "free", effective_tier: "free", trial_tier: "watcher" });
  });

  it("an address that had its trial gets an account without one (the welcome email says why)", async () => {
    const email = address();
    // the address's one trial, recorded before (its account is long gone)
    await ctx.database.db
      .insert(trialGrants)
      .values({ fingerprint: await emailFingerprint(email), tier: "watcher", grantedAt: ctx.clock.now() });
    const done = await confirm((await confirmationFor(email, { plan: "watcher_trial" })).path);
    expect(textOf(done.html)).toContain("No Watcher trial was started");
    expect(await adminUser(email)).toMatchObject({ effective_tier: "free", trial_tier: null, trial_ends_at: null });
    await d.dispatcher.runOnce();
    const welcome = mailTo(email).find((m) => m.subject === WELCOME_SUBJECT);
    expect(welcome?.text).toContain("has had its free trial already");
  });

  it("a known free address that never had a trial starts one; the operator cannot give an address a second one", async () => {
    const u = await createUser(ctx);
    const done = await confirm((await confirmationFor(u.email, { plan: "watcher_trial" })).path);
    expect(textOf(done.html)).toContain("You already have an account");
    expect(textOf(done.html)).toContain("Your Watcher trial runs until");
    expect((await call(ctx, "GET", "/v1/me", { token: u.key })).json).toMatchObject({
      effective_tier: "watcher",
      trial_tier: "watcher",
    });
    const grants = await ctx.database.db
      .select()
      .from(trialGrants)
      .where(eq(trialGrants.fingerprint, await emailFingerprint(u.email.toUpperCase())));
    expect(grants).toHaveLength(1);
  });
});

describe("a known address", () => {
  it("gets the platform added when its plan allows, else the page says what the plans allow", async () => {
    const free = await createUser(ctx);
    await watch(ctx, free, { platform: "anthropic" });
    const link = await confirmationFor(free.email, { platform: "openai" });
    // only the inbox the link went to sees the page, so it may say the account exists
    expect(textOf((await new PageClient(ctx).get(link.path)).html)).toContain(
      `${free.email} already has a clausewatch account. Add to it what this sign-up asked for (watching openai)?`,
    );
    const refused = await confirm(link.path);
    expect(refused.status).toBe(200);
    const text = textOf(refused.html);
    expect(text).toContain("openai was not added: the Free plan watches one platform");
    expect(text).toContain("Watcher: watch up to 10 platforms");
    expect(text).toContain("Professional: watch any number of platforms");
    const freeWatches = await ctx.database.db.select().from(watches).where(eq(watches.userId, free.id));
    expect(freeWatches.map((w) => w.platform)).toEqual(["anthropic"]);

    const watcher = await createUser(ctx, { tier: "watcher" });
    await watch(ctx, watcher, { platform: "anthropic" });
    const added = await confirm((await confirmationFor(watcher.email, { platform: "openai" })).path);
    expect(textOf(added.html)).toContain("You now watch openai.");
    const list = (await call(ctx, "GET", "/v1/watchlist", { token: watcher.key })).json.items as Json[];
    expect(list.map((w) => w.platform).sort()).toEqual(["anthropic", "openai"]);
    // no second account, and a sign-in link to the account address instead of a welcome
    await d.dispatcher.runOnce();
    expect(mailTo(watcher.email).map((m) => m.subject)).not.toContain(WELCOME_SUBJECT);
    const count = await ctx.database.db.select().from(users).where(sql`lower(${users.email}) = ${watcher.email.toLowerCase()}`);
    expect(count).toHaveLength(1);
  });
});

describe("limits", () => {
  it("at most 3 confirmation emails per address per 24 hours, channel confirmations included; a capped address still gets the same 202", async () => {
    const email = address("victim");
    const owner = await createUser(ctx, { tier: "watcher" });
    expect((await call(ctx, "POST", "/v1/channels", { token: owner.key, body: { type: "email", address: email } })).status).toBe(
      201,
    );
    for (let i = 0; i < 2; i++) expect((await signUp({ email })).status).toBe(202);
    const capped = await signUp({ email });
    expect(capped.status).toBe(202);
    expect(capped.json).toEqual({ status: "check_your_email" });
    await d.dispatcher.runOnce();
    expect(mailTo(email)).toHaveLength(3);
    expect(mailTo(email).filter((m) => m.subject === SIGNUP_CONFIRM_SUBJECT)).toHaveLength(2);
    // a day later the address may get one again
    ctx.clock.advance(DAY + 1000);
    await signUp({ email });
    await d.dispatcher.runOnce();
    expect(mailTo(email)).toHaveLength(4);
  });

  it("an address that unsubscribed from a confirmation email gets no further ones (and the same 202)", async () => {
    const email = address("optout");
    const { mail } = await confirmationFor(email);
    const unsubscribe = serviceLinks(`${mail.html}`).find((l) => l.pathname.startsWith("/unsubscribe/")) as URL;
    const shown = await new PageClient(ctx).get(unsubscribe.pathname);
    expect(textOf(shown.html)).toContain("confirmation emails at this address");
    expect((await new PageClient(ctx).post(unsubscribe.pathname, { csrf: null })).status).toBe(200);
    const res = await signUp({ email });
    expect(res.status).toBe(202);
    await d.dispatcher.runOnce();
    expect(mailTo(email)).toHaveLength(1);
  });

  it("POST /v1/signup and the confirmation page are rate-limited per client address: 429 rate_limited with Retry-After", async () => {
    const limited = await createTestContext({
      database: ctx.database,
      config: { publicRateLimitPerMinute: 3, trustProxy: true },
    });
    const post = (ip: string) =>
      call(limited, "POST", "/v1/signup", { body: { email: address("rl") }, headers: { "x-forwarded-for": ip } });
    for (let i = 0; i < 3; i++) expect((await post("203.0.113.7")).status).toBe(202);
    const over = await post("203.0.113.7");
    expect(over.status).toBe(429);
    expect((over.json.error as Json).code).toBe("rate_limited");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // the page shares the budget; another address is unaffected
    const page = await call(limited, "GET", "/signup/confirm?token=x", { headers: { "x-forwarded-for": "203.0.113.7" } });
    expect(page.status).toBe(429);
    expect((await post("198.51.100.9")).status).toBe(202);
  });
});

describe("nothing stays behind", () => {
  it("expired sign-up requests are purged by later requests", async () => {
    const email = address("purge");
    await signUp({ email });
    ctx.clock.advance(DAY + 1000);
    await signUp({ email: address("purge") });
    const left = await ctx.database.db
      .select()
      .from(signups)
      .where(and(eq(signups.email, email), isNull(signups.usedAt)));
    expect(left).toHaveLength(0);
  });
});
