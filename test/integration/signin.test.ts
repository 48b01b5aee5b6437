import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channels, notifications } from "../../src/db/schema";
import { fromBase64Url } from "../../src/lib/crypto";
import { SIGN_IN_SUBJECT, VERIFY_SUBJECT } from "../../src/lib/format";
import { call, createTestContext, createUser, postEvent, type TestContext, type TestUser, watch } from "../helpers/app";
import { createDelivery, type Delivery, type Providers, startProviders } from "../helpers/delivery";
import { freshEvent } from "../helpers/events";
import { PageClient, preferencesLink, signIn, textOf } from "../helpers/page";

/*
 * The trust review's attack chain, and everything that closes it: a sign-in link travels only to
 * the account's own address (or the API caller); Slack, webhooks and other addresses get a manage
 * link that can only email the owner; sessions live on the server, so sign-out and "sign out
 * everywhere" end copied cookies and old links; confirmation emails are capped per address.
 */

type Json = Record<string, unknown>;

let ctx: TestContext;
let p: Providers;
let d: Delivery;
beforeAll(async () => {
  ctx = await createTestContext({ allowPrivateWebhooks: true });
  p = await startProviders();
  d = createDelivery(ctx, p);
});
afterAll(async () => {
  await p.close();
  await ctx.close();
});

const mailTo = (address: string) =>
  p.resend.emails.filter((e) => (Array.isArray(e.to) ? e.to.includes(address) : e.to === address));
const channelsOf = async (u: TestUser) => (await call(ctx, "GET", "/v1/channels", { token: u.key })).json.items as Json[];

/** Every URL of this service in a text (HTML, plain text, Slack mrkdwn, JSON), entities undone. */
function serviceLinks(text: string): URL[] {
  const found = text.replace(/&amp;/g, "&").match(/http:\/\/clausewatch\.test\/[^\s"'<>|\\)]+/g) ?? [];
  return [...new Set(found)].map((u) => new URL(u));
}

/** The purposes of every signed token a link carries (path segment or ?token=). */
function tokenPurposes(url: URL): string[] {
  const candidates = [...url.pathname.split("/"), ...url.searchParams.values()].map((x) => decodeURIComponent(x));
  return candidates.flatMap((t) => {
    const [body, sig, extra] = t.split(".");
    if (!body || !sig || extra !== undefined) return [];
    try {
      return [(JSON.parse(new TextDecoder().decode(fromBase64Url(body))) as { p: string }).p];
    } catch {
      return [];
    }
  });
}

/**
 * Opens a link the way its recipient could (GET, then POST to the same path, each in a fresh
 * browser) and answers whether either browser then holds a preference-page session.
 */
async function linkSignsIn(url: URL): Promise<boolean> {
  const path = `${url.pathname}${url.search}`;
  const viaGet = new PageClient(ctx);
  await viaGet.get(path);
  const viaPost = new PageClient(ctx);
  await viaPost.post(path, { csrf: null });
  const getIn = (await viaGet.get("/preferences")).status === 200;
  const postIn = (await viaPost.get("/preferences")).status === 200;
  return getIn || postIn;
}

async function watcher(): Promise<TestUser & { slug: string }> {
  const u = await createUser(ctx, { tier: "watcher" });
  await call(ctx, "PATCH", "/v1/me", { token: u.key, body: { alerts: { window_minutes: 0 } } });
  const slug = `${u.id.slice(-8)}-platform`;
  await watch(ctx, u, { platform: slug });
  return { ...u, slug };
}

describe("the attack chain: a confirmation email to a stranger", () => {
  it("carries only its confirm link and its own unsubscribe link, and no link in it signs anyone in", async () => {
    const u = await watcher();
    const stranger = `typo-${u.id.slice(-8)}@example.com`;
    expect((await call(ctx, "POST", "/v1/channels", { token: u.key, body: { type: "email", address: stranger } })).status).toBe(
      201,
    );
    await d.dispatcher.runOnce();
    const [mail] = mailTo(stranger);
    expect(mail.subject).toBe(VERIFY_SUBJECT);
    const links = serviceLinks(`${mail.html}\n${mail.text}\n${JSON.stringify(mail.headers)}`);
    expect(new Set(links.map((l) => l.pathname.split("/")[1]))).toEqual(new Set(["verify-email", "unsubscribe"]));
    expect(links.flatMap(tokenPurposes).sort()).not.toContain("preferences");
    expect(links.flatMap(tokenPurposes)).not.toContain("manage");
    expect(textOf(mail.html ?? "")).not.toContain("Manage preferences");
    for (const link of links) expect(await linkSignsIn(link), link.href).toBe(false);
    // the stranger cannot reach the owner's page in any other way either
    expect((await new PageClient(ctx).get("/preferences")).status).toBe(400);
  });
});

describe("what Slack, webhooks and other addresses get", () => {
  it("no sign-in token anywhere; the manage link can only email a sign-in link to the account address", async () => {
    const u = await watcher();
    const hook = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "webhook", url: `${p.receiver.url}/${u.id}` },
    });
    expect(hook.status).toBe(201);
    const slackChannel = `#legal-${u.id.slice(-6)}`;
    const slackRes = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "slack", bot_token: "xoxb-1234567890-abcdefghij", channel: slackChannel },
    });
    expect(slackRes.status).toBe(201);
    await postEvent(ctx, freshEvent("01-anthropic-ai-training", { platformSlug: u.slug }));
    await d.dispatcher.runOnce();

    const slackMsgs = p.slack.messages.filter((m) => m.channel === slackChannel);
    const hooks = p.receiver.hits(`/${u.id}`);
    expect(slackMsgs.length).toBeGreaterThan(0);
    expect(hooks.length).toBeGreaterThan(0);
    const elsewhere = [...slackMsgs.map((m) => `${m.text}\n${JSON.stringify(m.blocks)}`), ...hooks.map((h) => h.raw)].join("\n");
    const links = serviceLinks(elsewhere);
    expect(links.length).toBeGreaterThan(0);
    expect(links.flatMap(tokenPurposes)).not.toContain("preferences");
    expect(links.some((l) => l.pathname.startsWith("/manage/"))).toBe(true);
    for (const link of links) expect(await linkSignsIn(link), link.href).toBe(false);

    // the manage page explains and never shows the address; its button mails the owner
    const manage = links.find((l) => l.pathname.startsWith("/manage/")) as URL;
    const page = new PageClient(ctx);
    const shown = await page.get(manage.pathname);
    expect(shown.status).toBe(200);
    expect(shown.html).not.toContain(u.email);
    expect(shown.setCookies).toEqual([]);
    const before = p.resend.emails.length;
    const sent = await page.post(manage.pathname, { csrf: null });
    expect(sent.status).toBe(200);
    expect(sent.html).not.toContain(u.email);
    await d.dispatcher.runOnce();
    const fresh = p.resend.emails.slice(before);
    // (opening each link above posted to the manage link too: every email is a sign-in link to the owner)
    expect(fresh.length).toBeGreaterThan(0);
    expect(new Set(fresh.map((e) => `${e.to} ${e.subject}`))).toEqual(new Set([`${u.email} ${SIGN_IN_SUBJECT}`]));
    // and that email's link does sign the owner in
    const signInUrl = serviceLinks(fresh[0].html ?? "").find((l) => l.pathname === "/preferences" && l.searchParams.has("token"));
    expect(signInUrl).toBeDefined();
    const owner = new PageClient(ctx);
    const opened = await owner.get(`${signInUrl?.pathname}${signInUrl?.search}`);
    expect(opened.status).toBe(200);
    expect(textOf(opened.html)).toContain(`Signed in as ${u.email}`);
  });

  it("alerts to the account address carry a working sign-in link; to a confirmed other address, a manage link", async () => {
    const u = await watcher();
    const other = `team-${u.id.slice(-8)}@example.com`;
    const added = await call(ctx, "POST", "/v1/channels", { token: u.key, body: { type: "email", address: other } });
    await ctx.database.db
      .update(channels)
      .set({ status: "active", verifiedAt: ctx.clock.now() })
      .where(eq(channels.id, added.json.id as string));
    await postEvent(ctx, freshEvent("03-netflix-ai-prohibition", { platformSlug: u.slug }));
    await d.dispatcher.runOnce();
    const toOwner = mailTo(u.email).at(-1);
    const toOther = mailTo(other).at(-1);
    expect(toOwner?.subject).toMatch(/Netflix/);
    expect(toOther?.subject).toMatch(/Netflix/);
    const ownerLinks = serviceLinks(toOwner?.html ?? "");
    expect(ownerLinks.flatMap(tokenPurposes)).toContain("preferences");
    const otherLinks = serviceLinks(`${toOther?.html}\n${toOther?.text}`);
    expect(otherLinks.flatMap(tokenPurposes)).not.toContain("preferences");
    expect(otherLinks.some((l) => l.pathname.startsWith("/manage/"))).toBe(true);
    for (const link of otherLinks) expect(await linkSignsIn(link), link.href).toBe(false);
  });

  it("a manage link sends at most 3 sign-in emails an hour, and says the same every time", async () => {
    const u = await createUser(ctx);
    const manage = serviceLinks(await firstManageLink(u))[0];
    const before = mailTo(u.email).length;
    const answers = new Set<string>();
    for (let i = 0; i < 5; i++) answers.add(textOf((await new PageClient(ctx).post(manage.pathname, { csrf: null })).html));
    await d.dispatcher.runOnce();
    expect(mailTo(u.email).length - before).toBe(3);
    expect(answers.size).toBe(1);
  });
});

/** A manage link for the user, as a webhook would carry it (rendered by the same code). */
async function firstManageLink(u: TestUser): Promise<string> {
  const { messageLinks } = await import("../../src/lib/links");
  return (
    await messageLinks(ctx.deps.keys, "http://clausewatch.test", { id: u.id, sessionEpoch: 0 }, "alerts", ctx.clock.now(), false)
  ).manage;
}

describe("sessions end on the server", () => {
  it("sign-out ends the session for a copied cookie too", async () => {
    const u = await createUser(ctx);
    const page = await signIn(ctx, u);
    const thief = new PageClient(ctx);
    for (const [k, v] of page.cookies) thief.cookies.set(k, v);
    expect((await thief.get("/preferences")).status).toBe(200);
    const out = await page.post("/preferences/sign-out");
    expect(out.status).toBe(200);
    expect((await thief.get("/preferences")).status).toBe(400);
    expect((await page.get("/preferences")).status).toBe(400);
  });

  it("POST /v1/me/sessions/revoke ends every session and voids every sign-in link issued before", async () => {
    const u = await createUser(ctx);
    const oldLink = await preferencesLink(ctx, u);
    const a = new PageClient(ctx);
    expect((await a.get(oldLink)).status).toBe(200);
    const b = await signIn(ctx, u);
    const copy = new PageClient(ctx);
    for (const [k, v] of b.cookies) copy.cookies.set(k, v);
    const revoked = await call(ctx, "POST", "/v1/me/sessions/revoke", { token: u.key });
    expect(revoked.status).toBe(204);
    for (const client of [a, b, copy]) expect((await client.get("/preferences")).status).toBe(400);
    expect((await new PageClient(ctx).get(oldLink)).status).toBe(400);
    // a link minted afterwards works
    expect((await new PageClient(ctx).get(await preferencesLink(ctx, u))).status).toBe(200);
    // another user's sessions are untouched
    const other = await createUser(ctx);
    const theirs = await signIn(ctx, other);
    await call(ctx, "POST", "/v1/me/sessions/revoke", { token: u.key });
    expect((await theirs.get("/preferences")).status).toBe(200);
  });

  it('"Sign out everywhere" on the page does the same', async () => {
    const u = await createUser(ctx);
    const oldLink = await preferencesLink(ctx, u);
    const elsewhere = await signIn(ctx, u);
    const page = await signIn(ctx, u);
    const res = await page.post("/preferences/sign-out-everywhere");
    expect(res.status).toBe(200);
    expect(textOf(res.html)).toContain("Signed out everywhere");
    expect((await elsewhere.get("/preferences")).status).toBe(400);
    expect((await page.get("/preferences")).status).toBe(400);
    expect((await new PageClient(ctx).get(oldLink)).status).toBe(400);
  });

  it("a session expires after two hours", async () => {
    const u = await createUser(ctx);
    const page = await signIn(ctx, u);
    const start = ctx.clock.now();
    try {
      ctx.clock.set(new Date(start.getTime() + 2 * 3_600_000 + 1000));
      expect((await page.get("/preferences")).status).toBe(400);
    } finally {
      ctx.clock.set(start);
    }
  });
});

describe("the sign-in form", () => {
  it("answers the same for known and unknown addresses and mails only the account address", async () => {
    const u = await createUser(ctx);
    const before = p.resend.emails.length;
    const known = await new PageClient(ctx).post("/signin", { csrf: null, email: u.email.toUpperCase() });
    const unknown = await new PageClient(ctx).post("/signin", { csrf: null, email: `nobody-${u.id}@example.com` });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(textOf(known.html)).toBe(textOf(unknown.html));
    await d.dispatcher.runOnce();
    expect(p.resend.emails.slice(before).map((e) => [e.to, e.subject])).toEqual([[u.email, SIGN_IN_SUBJECT]]);
    const bad = await new PageClient(ctx).post("/signin", { csrf: null, email: "not an address" });
    expect(bad.status).toBe(400);
  });
});

describe("confirmation emails are capped per address", () => {
  it("at most 3 per address per 24 hours across all users: the 4th add is 429 and writes nothing", async () => {
    const [a, b] = [await watcher(), await watcher()];
    const target = `victim-${a.id.slice(-8)}@example.com`;
    for (let i = 0; i < 3; i++) {
      const added = await call(ctx, "POST", "/v1/channels", {
        token: (i === 1 ? b : a).key,
        body: { type: "email", address: target },
      });
      expect(added.status).toBe(201);
      expect((await call(ctx, "DELETE", `/v1/channels/${added.json.id}`, { token: (i === 1 ? b : a).key })).status).toBe(204);
    }
    for (const u of [a, b]) {
      const refused = await call(ctx, "POST", "/v1/channels", {
        token: u.key,
        body: { type: "email", address: target.toUpperCase() },
      });
      expect(refused.status).toBe(429);
      expect((refused.json.error as Json).code).toBe("rate_limited");
      const retry = Number(refused.headers.get("retry-after"));
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(86_400);
      expect((await channelsOf(u)).filter((c) => String(c.target).toLowerCase() === target)).toEqual([]);
    }
    const start = ctx.clock.now();
    try {
      ctx.clock.set(new Date(start.getTime() + 86_400_000 + 1000));
      expect((await call(ctx, "POST", "/v1/channels", { token: a.key, body: { type: "email", address: target } })).status).toBe(
        201,
      );
    } finally {
      ctx.clock.set(start);
    }
  });

  it("an address that unsubscribed from a confirmation email gets none again: new channels are created disabled", async () => {
    const a = await watcher();
    const target = `optout-${a.id.slice(-8)}@example.com`;
    await call(ctx, "POST", "/v1/channels", { token: a.key, body: { type: "email", address: target } });
    await d.dispatcher.runOnce();
    const [mail] = mailTo(target);
    const unsubscribe = serviceLinks(mail.html ?? "").find((l) => l.pathname.startsWith("/unsubscribe/")) as URL;
    expect((await new PageClient(ctx).post(unsubscribe.pathname, { csrf: null })).status).toBe(200);

    const b = await watcher();
    const again = await call(ctx, "POST", "/v1/channels", { token: b.key, body: { type: "email", address: target } });
    expect(again.status).toBe(201);
    expect(again.json).toMatchObject({ status: "disabled", status_reason: "recipient_opted_out" });
    const queued = await ctx.database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.channelId, again.json.id as string), eq(notifications.kind, "notice")));
    expect(queued).toEqual([]);
    const on = await call(ctx, "PATCH", `/v1/channels/${again.json.id}`, { token: b.key, body: { enabled: true } });
    expect(on.status).toBe(409);
    await d.dispatcher.runOnce();
    expect(mailTo(target)).toHaveLength(1);
  });
});
