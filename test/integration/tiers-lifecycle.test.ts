import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { digestItems, notificationEvents, notifications, users } from "../../src/db/schema";
import { runTrialJob, TRIAL_NOTICE_DAYS } from "../../src/jobs/trials";
import type { TrialEndingNotice } from "../../src/lib/messages";
import { call, createTestContext, createUser, postEvent, type TestContext, type TestUser, uniq, watch } from "../helpers/app";
import { createDelivery, type Delivery, type Providers, startProviders } from "../helpers/delivery";
import { freshEvent, isolatedEvent } from "../helpers/events";

/**
 * Trial tests live in 2023: the trial job run at a 2023 `now` only ever reaches trials that ended
 * by then (other files' trials end in their own years, and the digest tests' planner runs end in
 * 2021, before any of these users' digests are due). Assertions look at these users' rows only.
 */
type Json = Record<string, unknown>;

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
  d = createDelivery(ctx, p);
});

const DAY = 86_400_000;
const listAll = async (u: TestUser, path: string) =>
  (await call(ctx, "GET", `${path}?limit=200`, { token: u.key })).json.items as Json[];
const snapshot = async (u: TestUser) => ({
  watches: await listAll(u, "/v1/watchlist"),
  channels: await listAll(u, "/v1/channels"),
});
const setTier = (u: TestUser, body: Json) => call(ctx, "PATCH", `/v1/admin/users/${u.id}`, { token: ctx.adminToken, body });
const userRow = async (u: TestUser) => (await ctx.database.db.select().from(users).where(eq(users.id, u.id)))[0];
const runJob = () => runTrialJob({ database: ctx.database, now: ctx.clock.now() });
const tick = () => ctx.clock.advance(1000); // distinct creation times: "oldest first" is well defined

async function addWebhook(u: TestUser, path = `/${uniq("hook")}`) {
  const res = await call(ctx, "POST", "/v1/channels", {
    token: u.key,
    body: { type: "webhook", url: `${p.receiver.url}${path}` },
  });
  expect(res.status).toBe(201);
  return res.json;
}

async function alertsOf(u: TestUser) {
  return ctx.database.db
    .select()
    .from(notifications)
    .where(and(eq(notifications.userId, u.id), eq(notifications.kind, "alert")));
}

const hasDigestItem = async (u: TestUser, eventId: string) =>
  (
    await ctx.database.db
      .select()
      .from(digestItems)
      .where(and(eq(digestItems.userId, u.id), eq(digestItems.eventId, eventId)))
  ).length === 1;

/** A trial user (free + 14-day Watcher trial) whose alerts leave at once, with extras a free user cannot keep. */
async function trialUserWithExtras() {
  const res = await call(ctx, "POST", "/v1/admin/users", {
    token: ctx.adminToken,
    body: { email: `${uniq("trial")}@example.com`, trial: true },
  });
  expect(res.status).toBe(201);
  const json = res.json.user as Json;
  const u: TestUser = { id: json.id as string, key: res.json.api_key as string, email: json.email as string };
  expect((await call(ctx, "PATCH", "/v1/me", { token: u.key, body: { alerts: { window_minutes: 0 } } })).status).toBe(200);
  const a = freshEvent("01-anthropic-ai-training");
  const b = freshEvent("04-windsurf-subprocessors");
  tick();
  const wA = await watch(ctx, u, { platform: a.platform.slug });
  tick();
  const wDoc = await watch(ctx, u, { platform: a.platform.slug, document: a.document.slug, min_severity: "high" });
  tick();
  const wB = await watch(ctx, u, { platform: b.platform.slug });
  tick();
  const hook = await addWebhook(u);
  return { u, endsAt: new Date(json.trial_ends_at as string), a, b, wA, wDoc, wB, hook };
}

describe("the Watcher trial", () => {
  it("trial: true needs tier free (400 otherwise), and lasts 14 days", async () => {
    ctx.clock.set("2023-02-01T10:00:00Z");
    for (const tier of ["watcher", "professional"]) {
      const res = await call(ctx, "POST", "/v1/admin/users", {
        token: ctx.adminToken,
        body: { email: `${uniq("t")}@example.com`, tier, trial: true },
      });
      expect(res.status).toBe(400);
      expect((res.json.error as Json).code).toBe("invalid_request");
    }
    const ok = await call(ctx, "POST", "/v1/admin/users", {
      token: ctx.adminToken,
      body: { email: `${uniq("t")}@example.com`, trial: true },
    });
    expect(ok.status).toBe(201);
    expect(ok.json.user).toMatchObject({ tier: "free", effective_tier: "watcher", trial_ends_at: "2023-02-15T10:00:00.000Z" });
  });

  it("ends by the minute job, not at the user's next request: the next event is matched as free", async () => {
    ctx.clock.set("2023-03-01T10:00:00Z");
    const t = await trialUserWithExtras();
    expect(t.endsAt.toISOString()).toBe("2023-03-15T10:00:00.000Z");

    // during the trial: watcher matching, same-day alerts
    const during = await postEvent(ctx, freshEvent("04-windsurf-subprocessors", { platformSlug: t.b.platform.slug }));
    expect(during.fanout).toMatchObject({ matched_users: 1, alerts: 2 });

    // a minute before the end the job changes nothing for this user
    ctx.clock.set(new Date(t.endsAt.getTime() - 60_000));
    await runJob();
    expect((await userRow(t.u)).trialProcessedAt).toBeNull();
    expect((await listAll(t.u, "/v1/watchlist")).every((w) => !w.paused)).toBe(true);

    // the trial ends; the job runs; no request of the user's comes in between
    ctx.clock.set(new Date(t.endsAt.getTime() + 30_000));
    await runJob();
    const processedAt = (await userRow(t.u)).trialProcessedAt;
    expect(processedAt?.toISOString()).toBe(ctx.clock.now().toISOString());

    const onA = freshEvent("01-anthropic-ai-training", { platformSlug: t.a.platform.slug });
    expect((await postEvent(ctx, onA)).fanout).toMatchObject({ matched_users: 1, alerts: 0 }); // digest only
    expect(await hasDigestItem(t.u, onA.id)).toBe(true);
    const onB = freshEvent("04-windsurf-subprocessors", { platformSlug: t.b.platform.slug });
    expect((await postEvent(ctx, onB)).fanout).toMatchObject({ matched_users: 0, alerts: 0 }); // the second platform paused

    // what the user then sees: their own tier, the extras paused for tier_limit, the trial's end kept
    const me = await call(ctx, "GET", "/v1/me", { token: t.u.key });
    expect(me.json).toMatchObject({ tier: "free", effective_tier: "free", trial_ends_at: t.endsAt.toISOString() });
    const ws = Object.fromEntries((await listAll(t.u, "/v1/watchlist")).map((w) => [w.id, w]));
    expect(ws[t.wA.id as string]).toMatchObject({ paused: false, paused_reason: null });
    for (const w of [t.wDoc, t.wB]) expect(ws[w.id as string]).toMatchObject({ paused: true, paused_reason: "tier_limit" });
    const cs = await listAll(t.u, "/v1/channels");
    expect(cs.find((c) => c.id === t.hook.id)).toMatchObject({ status: "paused", status_reason: "tier_limit" });
    expect(cs.find((c) => c.type === "email")).toMatchObject({ status: "active" });

    // once per trial end: a later run leaves the user alone
    ctx.clock.advance(60_000);
    await runJob();
    expect((await userRow(t.u)).trialProcessedAt?.toISOString()).toBe(processedAt?.toISOString());
  });

  it("an extended trial resumes at once and is ended again by the job when the new end passes", async () => {
    ctx.clock.set("2023-04-03T10:00:00Z");
    const t = await trialUserWithExtras();
    ctx.clock.set(new Date(t.endsAt.getTime() + 1000));
    await runJob();
    expect((await listAll(t.u, "/v1/watchlist")).filter((w) => w.paused)).toHaveLength(2);

    const newEnd = new Date(ctx.clock.now().getTime() + 7 * DAY);
    expect((await setTier(t.u, { trial_ends_at: newEnd.toISOString() })).json.effective_tier).toBe("watcher");
    expect((await listAll(t.u, "/v1/watchlist")).filter((w) => w.paused)).toHaveLength(0);

    ctx.clock.set(new Date(newEnd.getTime() + 1000));
    await runJob();
    expect((await userRow(t.u)).trialProcessedAt?.toISOString()).toBe(ctx.clock.now().toISOString());
    expect((await listAll(t.u, "/v1/watchlist")).filter((w) => w.paused).map((w) => w.id)).toEqual([t.wDoc.id, t.wB.id]);
  });

  it("sends one email three days before the end, saying what will pause — and exactly that pauses", async () => {
    ctx.clock.set("2023-05-02T10:00:00Z");
    const t = await trialUserWithExtras();
    const notices = () =>
      ctx.database.db
        .select()
        .from(notifications)
        .where(and(eq(notifications.userId, t.u.id), eq(notifications.kind, "notice")));
    const mine = () => p.resend.emails.filter((e) => e.to === t.u.email);

    ctx.clock.set(new Date(t.endsAt.getTime() - TRIAL_NOTICE_DAYS * DAY - 60_000));
    await runJob();
    expect(await notices()).toHaveLength(0); // not yet

    ctx.clock.set(new Date(t.endsAt.getTime() - TRIAL_NOTICE_DAYS * DAY + 60_000));
    await runJob();
    await runJob(); // twice in the same minute: still one
    const [n, ...more] = await notices();
    expect(more).toHaveLength(0);
    const account = (await listAll(t.u, "/v1/channels")).find((c) => c.type === "email");
    expect(n.channelId).toBe(account?.id);
    const payload = n.payload as TrialEndingNotice;
    expect(payload).toMatchObject({
      notice: "trial_ending",
      trial_ends_at: t.endsAt.toISOString(),
      tier_after: "free",
      alerts_end: true,
    });
    expect(payload.watches).toEqual([
      { platform: t.a.platform.slug, document: t.a.document.slug, provision: null, min_severity: "high", categories: null },
      { platform: t.b.platform.slug, document: null, provision: null, min_severity: null, categories: null },
    ]);
    expect(payload.channels).toEqual([{ type: "webhook", target: t.hook.target }]);

    await d.dispatcher.runOnce();
    await runJob();
    ctx.clock.advance(3_600_000);
    await runJob();
    await d.dispatcher.runOnce();
    expect(mine()).toHaveLength(1);
    const email = mine()[0];
    expect(email.subject).toBe("Your clausewatch Watcher trial is ending: 2 watches and 1 channel will pause");
    expect(email.text).toContain(`${t.a.platform.slug} › ${t.a.document.slug} (high and above)`);
    expect(email.text).toContain(`${t.b.platform.slug}`);
    expect(email.text).toContain(`Webhook: ${t.hook.target}`);
    expect(email.text).toContain("Same-day alerts stop");
    expect(email.headers?.["List-Unsubscribe"]).toMatch(/^<http:\/\/clausewatch\.test\/unsubscribe\/.+>$/);
    expect((await notices())[0].status).toBe("sent");

    // the job that ends the trial pauses exactly what the email listed
    ctx.clock.set(new Date(t.endsAt.getTime() + 1000));
    await runJob();
    const paused = (await listAll(t.u, "/v1/watchlist")).filter((w) => w.paused).map((w) => w.id);
    expect(paused).toEqual([t.wDoc.id, t.wB.id]);
    expect(mine()).toHaveLength(1);
  });

  it("no notice without an active email channel; a user whose trial is not ending gets none", async () => {
    ctx.clock.set("2023-06-06T10:00:00Z");
    const t = await trialUserWithExtras();
    const email = (await listAll(t.u, "/v1/channels")).find((c) => c.type === "email");
    expect((await call(ctx, "PATCH", `/v1/channels/${email?.id}`, { token: t.u.key, body: { enabled: false } })).status).toBe(
      200,
    );
    const plain = await createUser(ctx, { tier: "watcher" });
    ctx.clock.set(new Date(t.endsAt.getTime() - DAY));
    await runJob();
    for (const u of [t.u, plain]) {
      const got = await ctx.database.db
        .select()
        .from(notifications)
        .where(and(eq(notifications.userId, u.id), eq(notifications.kind, "notice")));
      expect(got).toHaveLength(0);
    }
  });
});

describe("downgrades", () => {
  it("pending alerts are suppressed when the trial ends (reason recorded); their events still reach the digest", async () => {
    ctx.clock.set("2023-07-04T10:00:00Z");
    const t = await trialUserWithExtras();
    expect((await call(ctx, "PATCH", "/v1/me", { token: t.u.key, body: { alerts: { window_minutes: 60 } } })).status).toBe(200);
    ctx.clock.set(new Date(t.endsAt.getTime() - 10 * 60_000));
    const e = freshEvent("01-anthropic-ai-training", { platformSlug: t.a.platform.slug });
    expect((await postEvent(ctx, e)).fanout?.alerts).toBe(2); // waiting for their window

    ctx.clock.set(new Date(t.endsAt.getTime() + 1000));
    await runJob();
    const alerts = await alertsOf(t.u);
    expect(alerts).toHaveLength(2);
    for (const a of alerts) expect(a).toMatchObject({ status: "suppressed", statusReason: "tier_limit", groupOpen: false });
    const linked = await ctx.database.db.select().from(notificationEvents).where(eq(notificationEvents.eventId, e.id));
    expect(linked).toHaveLength(2);
    expect(await hasDigestItem(t.u, e.id)).toBe(true);
    // nothing is left for the dispatcher: it claims pending rows only, and no new alert opened
    expect((await alertsOf(t.u)).filter((a) => a.status === "pending")).toHaveLength(0);
  });

  it("an operator downgrade to free suppresses pending alerts too; the event stays in the digest", async () => {
    ctx.clock.set("2023-08-01T10:00:00Z");
    const u = await createUser(ctx, { tier: "watcher" });
    const e = freshEvent("05-anthropic-arbitration");
    await watch(ctx, u, { platform: e.platform.slug });
    expect((await postEvent(ctx, e)).fanout?.alerts).toBe(1);
    expect((await setTier(u, { tier: "free" })).status).toBe(200);
    const [a] = await alertsOf(u);
    expect(a).toMatchObject({ status: "suppressed", statusReason: "tier_limit" });
    expect(await hasDigestItem(u, e.id)).toBe(true);
    const listed = await call(ctx, "GET", `/v1/notifications/${a.id}`, { token: u.key });
    expect(listed.json).toMatchObject({ status: "suppressed", status_reason: "tier_limit", event_ids: [e.id] });
  });

  it("trial end then upgrade restores the exact watchlist and channels; nothing is deleted", async () => {
    ctx.clock.set("2023-09-05T10:00:00Z");
    const t = await trialUserWithExtras();
    tick();
    await addWebhook(t.u);
    const before = await snapshot(t.u);
    expect(before.watches).toHaveLength(3);
    expect(before.channels).toHaveLength(3);

    ctx.clock.set(new Date(t.endsAt.getTime() + 1000));
    await runJob();
    const during = await snapshot(t.u);
    expect(during.watches.map((w) => w.id)).toEqual(before.watches.map((w) => w.id));
    expect(during.channels.map((c) => c.id)).toEqual(before.channels.map((c) => c.id));
    expect(during.channels.filter((c) => c.status === "active")).toHaveLength(1);

    expect((await setTier(t.u, { tier: "watcher" })).status).toBe(200);
    expect(await snapshot(t.u)).toEqual(before);
  });

  it("professional → free → professional keeps provision, category and '*' watches, paused then resumed", async () => {
    ctx.clock.set("2023-10-03T10:00:00Z");
    const u = await createUser(ctx, { tier: "professional" });
    const { e, cat } = isolatedEvent("05-anthropic-arbitration");
    tick();
    await watch(ctx, u, { platform: e.platform.slug });
    tick();
    await watch(ctx, u, { platform: e.platform.slug, document: e.document.slug, provision: "dispute-resolution-arbitration" });
    tick();
    await watch(ctx, u, { platform: "*", categories: [cat("arbitration")] });
    tick();
    await watch(ctx, u, { platform: uniq("other"), categories: [cat("legal-rights")] });
    const before = await listAll(u, "/v1/watchlist");
    expect((await setTier(u, { tier: "free" })).status).toBe(200);
    expect((await listAll(u, "/v1/watchlist")).map((w) => w.paused)).toEqual([false, true, true, true]);
    expect((await setTier(u, { tier: "professional" })).status).toBe(200);
    expect(await listAll(u, "/v1/watchlist")).toEqual(before);
  });
});

describe("Professional matching", () => {
  it("a provision watch matches only its provision, at that provision's severity", async () => {
    ctx.clock.set("2023-11-07T10:00:00Z");
    const u = await createUser(ctx, { tier: "professional" });
    const base = freshEvent("05-anthropic-arbitration"); // arbitration (critical) + training (medium); event critical
    const on = (fixture: string) => freshEvent(fixture, { platformSlug: base.platform.slug });
    await watch(ctx, u, {
      platform: base.platform.slug,
      document: base.document.slug,
      provision: "ai-model-training-use-of-materials",
      min_severity: "high",
    });
    // the event is critical, but the watched provision changed at medium: no match
    expect((await postEvent(ctx, base)).fanout).toMatchObject({ matched_users: 0 });
    // another provision of the same document, however severe: no match
    const other = on("05-anthropic-arbitration");
    other.changes = other.changes.filter((c) => c.provision.slug !== "ai-model-training-use-of-materials");
    expect((await postEvent(ctx, other)).fanout).toMatchObject({ matched_users: 0 });
    // the provision itself at high: a match, and an alert
    const hit = on("01-anthropic-ai-training");
    expect((await postEvent(ctx, hit)).fanout).toMatchObject({ matched_users: 1, alerts: 1 });
    expect(await hasDigestItem(u, hit.id)).toBe(true);
  });

  it('a "*" watch with categories matches those categories on every platform, and nothing else', async () => {
    ctx.clock.set("2023-12-05T10:00:00Z");
    const u = await createUser(ctx, { tier: "professional" });
    const { e: first, cat } = isolatedEvent("05-anthropic-arbitration");
    await watch(ctx, u, { platform: "*", categories: [cat("arbitration")] });
    const second = freshEvent("05-anthropic-arbitration");
    for (const c of second.changes) c.categories = c.categories.map(cat);
    expect(second.platform.slug).not.toBe(first.platform.slug);
    const unrelated = isolatedEvent("01-anthropic-ai-training").e;
    expect((await postEvent(ctx, first)).fanout).toMatchObject({ matched_users: 1 });
    expect((await postEvent(ctx, second)).fanout).toMatchObject({ matched_users: 1 });
    expect((await postEvent(ctx, unrelated)).fanout).toMatchObject({ matched_users: 0 });
    for (const e of [first, second]) expect(await hasDigestItem(u, e.id)).toBe(true);
    expect(await hasDigestItem(u, unrelated.id)).toBe(false);
    // it counts as one platform: a watcher-sized limit would not be touched by it
    const ws = await listAll(u, "/v1/watchlist");
    expect(ws).toHaveLength(1);
    expect(ws[0]).toMatchObject({ platform: "*", categories: [cat("arbitration")] });
  });
});
