import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { channels, notifications, suppressions } from "../../src/db/schema";
import type { WebhookPayload } from "../../src/delivery/types";
import { verifyWebhook } from "../fakes/webhook-receiver";
import { call, createTestContext, createUser, postEvent, type TestContext, type TestUser, watch } from "../helpers/app";
import { createDelivery, type Delivery, type Providers, startProviders } from "../helpers/delivery";
import { freshEvent } from "../helpers/events";

let ctx: TestContext;
let p: Providers;
let d: Delivery;

beforeAll(async () => {
  ctx = await createTestContext({ allowPrivateWebhooks: true });
  p = await startProviders();
});
afterAll(async () => {
  await p.close();
  await ctx.close();
});
beforeEach(() => {
  // fresh channel instances (pacing state) per test, same fakes
  d = createDelivery(ctx, p);
});

const notificationsOf = (u: TestUser) => ctx.database.db.select().from(notifications).where(eq(notifications.userId, u.id));

/** A watcher with window 0 (alerts leave at once) watching a fresh platform. */
async function watcherOn(platform: string, extra: Record<string, unknown> = {}) {
  const u = await createUser(ctx, { tier: "watcher" });
  expect((await call(ctx, "PATCH", "/v1/me", { token: u.key, body: { alerts: { window_minutes: 0, ...extra } } })).status).toBe(
    200,
  );
  await watch(ctx, u, { platform });
  return u;
}

async function addWebhook(u: TestUser, path = "/hook") {
  const res = await call(ctx, "POST", "/v1/channels", {
    token: u.key,
    body: { type: "webhook", url: `${p.receiver.url}${path}` },
  });
  expect(res.status).toBe(201);
  return { id: res.json.id as string, secret: res.json.signing_secret as string, path };
}

async function disableAccountEmail(u: TestUser) {
  const list = await call(ctx, "GET", "/v1/channels", { token: u.key });
  const email = (list.json.items as { id: string; type: string }[]).find((c) => c.type === "email");
  expect((await call(ctx, "PATCH", `/v1/channels/${email?.id}`, { token: u.key, body: { enabled: false } })).status).toBe(200);
}

describe("dispatcher: happy path per channel", () => {
  it("delivers one alert to email, Slack and a signed webhook", async () => {
    const ev = freshEvent("01-anthropic-ai-training");
    const u = await watcherOn(ev.platform.slug);
    const hook = await addWebhook(u);
    const slackRes = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "slack", bot_token: "xoxb-1234567890-abcdefghij", channel: "#legal" },
    });
    expect(slackRes.status).toBe(201);

    const posted = await postEvent(ctx, ev);
    expect(posted.fanout?.alerts).toBe(3);
    expect(await d.dispatcher.runOnce()).toBeGreaterThanOrEqual(3);

    const mine = await notificationsOf(u);
    expect(mine.map((n) => n.status)).toEqual(["sent", "sent", "sent"]);
    expect(mine.every((n) => n.attempts === 1 && n.sentAt !== null)).toBe(true);
    // Resend's email id and Slack's message ts; a webhook has no provider id of its own
    const byChannel = await ctx.database.db.select().from(channels).where(eq(channels.userId, u.id));
    const typeOf = (n: (typeof mine)[number]) => byChannel.find((c) => c.id === n.channelId)?.type;
    expect(
      mine
        .filter((n) => n.providerMessageId)
        .map(typeOf)
        .sort(),
    ).toEqual(["email", "slack"]);

    const email = p.resend.emails.find((e) => e.to === u.email || (Array.isArray(e.to) && e.to.includes(u.email)));
    expect(email?.subject).toBe("[High] Anthropic · Claude.ai Terms of Service changed");
    expect(email?.headers?.["List-Unsubscribe"]).toMatch(/^<http:\/\/clausewatch\.test\/unsubscribe\/.+>$/);
    expect(email?.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(email?.text).toContain("AI Model Training Use of Materials");
    const emailNotification = mine.find((n) => n.providerMessageId === email?.id);
    expect(p.resend.requests.find((r) => r.headers["idempotency-key"] === emailNotification?.id)).toBeDefined();

    const got = p.receiver.hits(hook.path);
    expect(got).toHaveLength(1);
    const body = verifyWebhook(got[0], hook.secret) as WebhookPayload;
    expect(body.type).toBe("alert");
    expect(got[0].headers["webhook-id"]).toBe(body.id);
    const events = (body.data as { events: { id: string; changes: unknown[] }[] }).events;
    expect(events.map((e) => e.id)).toEqual([ev.id]);
    expect(events[0].changes).toHaveLength(1);

    const slackMsg = p.slack.messages.find((m) => m.channel === "#legal" && m.text?.includes("Claude.ai Terms of Service"));
    expect(slackMsg?.blocks?.length).toBeGreaterThan(0);
  });
});

describe("dispatcher: retries and failures", () => {
  it("500 then 200 → one delivery after a retry, attempts counted, same webhook-id", async () => {
    const ev = freshEvent("05-anthropic-arbitration");
    const u = await watcherOn(ev.platform.slug);
    await disableAccountEmail(u);
    const hook = await addWebhook(u, "/flaky");
    p.receiver.script({ status: 500 }, { status: 200 });
    await postEvent(ctx, ev);
    await d.dispatcher.runOnce();
    let [n] = await notificationsOf(u);
    expect(n.status).toBe("pending");
    expect(n.attempts).toBe(1);
    expect(n.nextAttemptAt.getTime() - ctx.clock.now().getTime()).toBe(5_000);
    expect(n.lastError).toMatch(/500/);

    await d.dispatcher.runOnce(); // not due yet
    expect(p.receiver.hits(hook.path)).toHaveLength(1);
    ctx.clock.advance(5_000);
    await d.dispatcher.runOnce();
    [n] = await notificationsOf(u);
    expect(n.status).toBe("sent");
    expect(n.attempts).toBe(2);
    const hits = p.receiver.hits(hook.path);
    expect(hits).toHaveLength(2);
    expect(hits[0].headers["webhook-id"]).toBe(hits[1].headers["webhook-id"]);
    expect(hits[1].headers["webhook-id"]).toBe(n.id);
  });

  it("429 with Retry-After is honoured within [scheduled, 2 × scheduled]", async () => {
    const ev = freshEvent("05-anthropic-arbitration");
    const u = await watcherOn(ev.platform.slug);
    await disableAccountEmail(u);
    await addWebhook(u, "/busy");
    p.receiver.script({ status: 429, headers: { "retry-after": "8" } });
    await postEvent(ctx, ev);
    await d.dispatcher.runOnce();
    const [n] = await notificationsOf(u);
    expect(n.status).toBe("pending");
    expect(n.nextAttemptAt.getTime() - ctx.clock.now().getTime()).toBe(8_000);
  });

  it("Resend 422 → failed at once, never retried", async () => {
    const ev = freshEvent("05-anthropic-arbitration");
    const u = await watcherOn(ev.platform.slug);
    p.resend.script({ status: 422 });
    await postEvent(ctx, ev);
    await d.dispatcher.runOnce();
    const [n] = await notificationsOf(u);
    expect(n.status).toBe("failed");
    expect(n.attempts).toBe(1);
    ctx.clock.advance(3_600_000);
    const before = p.resend.requests.length;
    await d.dispatcher.runOnce();
    expect(p.resend.requests.filter((r) => r.headers["idempotency-key"] === n.id)).toHaveLength(1);
    expect(p.resend.requests.length).toBeGreaterThanOrEqual(before);
  });

  it("Resend 401 → email sends held: nothing failed, attempt not counted, /metrics shows it", async () => {
    const ev = freshEvent("05-anthropic-arbitration");
    const u = await watcherOn(ev.platform.slug);
    p.resend.script({ status: 401 });
    await postEvent(ctx, ev);
    await d.dispatcher.runOnce();
    let [n] = await notificationsOf(u);
    expect(n.status).toBe("pending");
    expect(n.attempts).toBe(0);
    expect(n.lastError).toMatch(/^held/);
    expect(d.metrics.isHeld("email")).toBe(true);
    // the operator fixes the key; the held email goes out
    ctx.clock.advance(60_000);
    await d.dispatcher.runOnce();
    [n] = await notificationsOf(u);
    expect(n.status).toBe("sent");
    expect(d.metrics.isHeld("email")).toBe(false);
  });

  it("webhook 410 → notification failed and the channel disabled with the reason", async () => {
    const ev = freshEvent("05-anthropic-arbitration");
    const u = await watcherOn(ev.platform.slug);
    await disableAccountEmail(u);
    const hook = await addWebhook(u, "/gone");
    p.receiver.script({ status: 410 });
    await postEvent(ctx, ev);
    await d.dispatcher.runOnce();
    const [n] = await notificationsOf(u);
    expect(n.status).toBe("failed");
    const [ch] = await ctx.database.db.select().from(channels).where(eq(channels.id, hook.id));
    expect(ch.status).toBe("disabled");
    expect(ch.statusReason).toMatch(/410/);
  });

  it("Slack channel_not_found → channel disabled", async () => {
    const ev = freshEvent("05-anthropic-arbitration");
    const u = await watcherOn(ev.platform.slug);
    await disableAccountEmail(u);
    const res = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "slack", bot_token: "xoxb-1234567890-zzzzzzzzzz", channel: "#nowhere" },
    });
    p.slack.script({ error: "channel_not_found" });
    await postEvent(ctx, ev);
    await d.dispatcher.runOnce();
    const [n] = await notificationsOf(u);
    expect(n.status).toBe("failed");
    const [ch] = await ctx.database.db
      .select()
      .from(channels)
      .where(eq(channels.id, res.json.id as string));
    expect(ch.status).toBe("disabled");
    expect(ch.statusReason).toMatch(/channel_not_found/);
  });

  it("a failed notification can be re-sent; a sent one cannot", async () => {
    const ev = freshEvent("05-anthropic-arbitration");
    const u = await watcherOn(ev.platform.slug);
    p.resend.script({ status: 422 });
    await postEvent(ctx, ev);
    await d.dispatcher.runOnce();
    const [n] = await notificationsOf(u);
    const again = await call(ctx, "POST", `/v1/notifications/${n.id}/resend`, { token: u.key });
    expect(again.status).toBe(202);
    expect(again.json.status).toBe("pending");
    await d.dispatcher.runOnce();
    const got = await call(ctx, "GET", `/v1/notifications/${n.id}`, { token: u.key });
    expect(got.json.status).toBe("sent");
    expect(got.json.event_ids).toEqual([ev.id]);
    expect((await call(ctx, "POST", `/v1/notifications/${n.id}/resend`, { token: u.key })).status).toBe(409);
  });
});

describe("dispatcher: timing", () => {
  it("the grouping window folds 3 events into one email", async () => {
    const a = freshEvent("01-anthropic-ai-training");
    const platform = a.platform.slug;
    const u = await createUser(ctx, { tier: "watcher" });
    await watch(ctx, u, { platform });
    await postEvent(ctx, a);
    ctx.clock.advance(60_000);
    await postEvent(ctx, freshEvent("05-anthropic-arbitration", { platformSlug: platform }));
    ctx.clock.advance(60_000);
    await postEvent(ctx, freshEvent("06-openai-new-document", { platformSlug: platform }));
    await d.dispatcher.runOnce();
    expect((await notificationsOf(u))[0].status).toBe("pending"); // window (15 min) still open
    ctx.clock.advance(14 * 60_000);
    await d.dispatcher.runOnce();
    const mine = await notificationsOf(u);
    expect(mine).toHaveLength(1);
    expect(mine[0].status).toBe("sent");
    const email = p.resend.emails.find((e) => e.id === mine[0].providerMessageId);
    expect(email?.subject).toMatch(/3 changes on your watchlist/);
  });

  it("quiet hours hold alerts until they end; critical ones go at once", async () => {
    ctx.clock.set("2026-06-10T23:30:00Z"); // 01:30 in Berlin (CEST)
    const ev = freshEvent("04-windsurf-subprocessors"); // medium
    const u = await watcherOn(ev.platform.slug, { quiet_hours: { start: "22:00", end: "07:00" } });
    await call(ctx, "PATCH", "/v1/me", { token: u.key, body: { timezone: "Europe/Berlin" } });
    await postEvent(ctx, ev);
    await d.dispatcher.runOnce();
    let [n] = await notificationsOf(u);
    expect(n.status).toBe("pending");
    expect(n.nextAttemptAt.toISOString()).toBe("2026-06-11T05:00:00.000Z"); // 07:00 CEST

    const critical = freshEvent("05-anthropic-arbitration", { platformSlug: ev.platform.slug });
    expect(critical.severity).toBe("critical");
    await postEvent(ctx, critical);
    await d.dispatcher.runOnce();
    [n] = await notificationsOf(u);
    expect(n.status).toBe("sent");
    const email = p.resend.emails.find((e) => e.id === n.providerMessageId);
    expect(email?.subject).toMatch(/^\[Critical\]/);
  });

  it("quiet hours release at their end", async () => {
    ctx.clock.set("2026-06-12T21:00:00Z"); // 23:00 in Berlin
    const ev = freshEvent("04-windsurf-subprocessors");
    const u = await watcherOn(ev.platform.slug, { quiet_hours: { start: "22:00", end: "07:00" } });
    await call(ctx, "PATCH", "/v1/me", { token: u.key, body: { timezone: "Europe/Berlin" } });
    await postEvent(ctx, ev);
    await d.dispatcher.runOnce();
    expect((await notificationsOf(u))[0].status).toBe("pending");
    ctx.clock.set("2026-06-13T05:00:00Z");
    await d.dispatcher.runOnce();
    expect((await notificationsOf(u))[0].status).toBe("sent");
  });
});

describe("dispatcher: what is never sent", () => {
  it("an address on the suppression list is skipped (status suppressed)", async () => {
    const ev = freshEvent("05-anthropic-arbitration");
    const u = await watcherOn(ev.platform.slug);
    await ctx.database.db
      .insert(suppressions)
      .values({ email: u.email.toLowerCase(), reason: "bounced", createdAt: ctx.clock.now() });
    const before = p.resend.requests.length;
    await postEvent(ctx, ev);
    await d.dispatcher.runOnce();
    const [n] = await notificationsOf(u);
    expect(n.status).toBe("suppressed");
    expect(n.statusReason).toMatch(/address_suppressed/);
    expect(p.resend.requests.length).toBe(before);
  });

  it("one-click unsubscribe from an alert's link stops alerts, not digests; GET changes nothing", async () => {
    const ev = freshEvent("05-anthropic-arbitration");
    const u = await watcherOn(ev.platform.slug);
    await postEvent(ctx, ev);
    await d.dispatcher.runOnce();
    const [n] = await notificationsOf(u);
    const email = p.resend.emails.find((e) => e.id === n.providerMessageId);
    const link = email?.headers?.["List-Unsubscribe"]?.slice(1, -1) ?? "";
    const path = new URL(link).pathname;
    expect((await ctx.app.request(path)).status).toBe(200);
    const later = freshEvent("05-anthropic-arbitration", { platformSlug: ev.platform.slug });
    expect((await postEvent(ctx, later)).fanout?.alerts).toBe(1); // GET did not unsubscribe
    const post = await ctx.app.request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(post.status).toBe(200);
    const third = freshEvent("05-anthropic-arbitration", { platformSlug: ev.platform.slug });
    const res = await postEvent(ctx, third);
    expect(res.fanout).toMatchObject({ matched_users: 1, alerts: 0, digest_items: 1 });
    expect((await ctx.app.request(`${path}x`, { method: "POST" })).status).toBe(400);
  });

  it("a channel test message goes out now", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const hook = await addWebhook(u, "/test-me");
    const res = await call(ctx, "POST", `/v1/channels/${hook.id}/test`, { token: u.key });
    expect(res.status).toBe(202);
    expect(res.json.kind).toBe("test");
    await d.dispatcher.runOnce();
    const [hit] = p.receiver.hits("/test-me");
    expect((verifyWebhook(hit, hook.secret) as WebhookPayload).type).toBe("test");
  });
});

describe("GET /metrics", () => {
  it("reports queue depth by status and delivery counters", async () => {
    const res = await ctx.app.request("/metrics");
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toMatch(/clausewatch_notifications\{status="sent"\} \d+/);
    expect(text).toContain("clausewatch_provider_held");
  });
});
