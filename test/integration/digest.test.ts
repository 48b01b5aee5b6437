import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { digestItems, digests, notifications, users } from "../../src/db/schema";
import { rows, textArray } from "../../src/db/types";
import type { WebhookPayload } from "../../src/delivery/types";
import { runDigestPlanner } from "../../src/digest/planner";
import type { DigestContent } from "../../src/lib/messages";
import { verifyWebhook } from "../fakes/webhook-receiver";
import { call, createTestContext, createUser, postEvent, type TestContext, type TestUser, watch } from "../helpers/app";
import { onPostgres, openTestDatabase } from "../helpers/db";
import { createDelivery, type Delivery, type Providers, startProviders } from "../helpers/delivery";
import { freshEvent } from "../helpers/events";

/**
 * Digest tests live in their own years (2019–2021), so a planner run here never makes digests
 * for users of other test files sharing a PostgreSQL database (theirs are due in 2026).
 */
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

const runDigests = (now: string) => call(ctx, "POST", "/v1/admin/jobs/digests", { token: ctx.adminToken, body: { now } });

const userRow = async (u: TestUser) => (await ctx.database.db.select().from(users).where(eq(users.id, u.id)))[0];
const digestNotifications = (u: TestUser) =>
  ctx.database.db
    .select()
    .from(notifications)
    .where(and(eq(notifications.userId, u.id), eq(notifications.kind, "digest")));

/** The digest among what a webhook receiver got (a watcher's alerts arrive there too). */
function digestHit(path: string, secret: string) {
  const bodies = p.receiver.hits(path).map((h) => verifyWebhook(h, secret) as WebhookPayload);
  const digest = bodies.find((b) => b.type === "digest");
  expect(digest).toBeDefined();
  return digest as WebhookPayload;
}

async function addWebhook(u: TestUser, path: string) {
  const res = await call(ctx, "POST", "/v1/channels", {
    token: u.key,
    body: { type: "webhook", url: `${p.receiver.url}${path}` },
  });
  expect(res.status).toBe(201);
  return res.json.signing_secret as string;
}

describe("weekly digest", () => {
  it("is due at the user's local day and hour, carries the week's matched events, and is sent once", async () => {
    ctx.clock.set("2021-03-03T12:00:00Z"); // a Wednesday
    const a = freshEvent("01-anthropic-ai-training");
    const u = await createUser(ctx, { tier: "watcher", timezone: "Europe/Berlin" });
    await watch(ctx, u, { platform: a.platform.slug });
    expect((await userRow(u)).nextDigestAt?.toISOString()).toBe("2021-03-08T08:00:00.000Z"); // Mon 09:00 CET
    const secret = await addWebhook(u, "/digest-1");

    ctx.clock.advance(60_000);
    await postEvent(ctx, a);
    ctx.clock.advance(86_400_000);
    const b = freshEvent("04-windsurf-subprocessors", { platformSlug: a.platform.slug });
    await postEvent(ctx, b);

    expect((await runDigests("2021-03-08T07:59:00Z")).json.digests).toBe(0); // not yet due
    ctx.clock.set("2021-03-08T08:00:30Z");
    const run = await runDigests("2021-03-08T08:00:30Z");
    expect(run.status).toBe(200);
    expect(run.json).toMatchObject({ digests: 1, notifications: 2 });
    expect((await runDigests("2021-03-08T08:01:00Z")).json.digests).toBe(0); // never twice

    await d.dispatcher.runOnce();
    const sent = await digestNotifications(u);
    expect(sent.map((n) => n.status)).toEqual(["sent", "sent"]); // account email and webhook
    const email = p.resend.emails.find((e) => sent.some((n) => n.providerMessageId === e.id));
    expect(email?.subject).toMatch(/weekly digest/);
    expect(email?.text).toContain("Claude.ai Terms of Service");
    expect(email?.headers?.["List-Unsubscribe"]).toBeDefined();

    const body = digestHit("/digest-1", secret);
    const data = body.data as Omit<DigestContent, "kind">;
    expect(data.period).toEqual({ start: "2021-03-03T12:00:00.000Z", end: "2021-03-08T08:00:30.000Z" });
    expect(data.watchlist.map((e) => e.id)).toEqual([a.id, b.id]); // most severe first
    expect(data.watchlist[0].changes.length).toBeGreaterThan(0); // watcher: structured summaries
    expect(JSON.stringify(data.watchlist)).not.toContain("regulations"); // only professional
    expect(data.coverage.events).toBeGreaterThanOrEqual(2);

    const next = await userRow(u);
    expect(next.nextDigestAt?.toISOString()).toBe("2021-03-15T08:00:00.000Z");
    expect(next.digestPeriodStart?.toISOString()).toBe("2021-03-08T08:00:30.000Z");
    const pending = await ctx.database.db.select().from(digestItems).where(eq(digestItems.userId, u.id));
    expect(pending.every((i) => i.digestId !== null)).toBe(true);
  });

  it("after a 3-day outage sends one digest with everything, then keeps the weekly rhythm", async () => {
    ctx.clock.set("2021-05-05T10:00:00Z"); // Wednesday
    const ev = freshEvent("03-netflix-ai-prohibition");
    const u = await createUser(ctx, { tier: "free" });
    await watch(ctx, u, { platform: ev.platform.slug });
    await postEvent(ctx, ev);
    ctx.clock.set("2021-05-07T10:00:00Z");
    const ev2 = freshEvent("04-windsurf-subprocessors", { platformSlug: ev.platform.slug });
    await postEvent(ctx, ev2);
    // due Monday 2021-05-10 09:00 UTC; the service comes back on Thursday
    ctx.clock.set("2021-05-13T15:00:00Z");
    await runDigests("2021-05-13T15:00:00Z");
    await runDigests("2021-05-13T15:05:00Z");
    const mine = await ctx.database.db.select().from(digests).where(eq(digests.userId, u.id));
    expect(mine).toHaveLength(1);
    const [dg] = mine;
    expect(dg.plan.watchlist.sort()).toEqual([ev.id, ev2.id].sort());
    expect((await userRow(u)).nextDigestAt?.toISOString()).toBe("2021-05-17T09:00:00.000Z");

    await d.dispatcher.runOnce();
    const [n] = await digestNotifications(u);
    expect(n.status).toBe("sent");
    const email = p.resend.emails.find((e) => e.id === n.providerMessageId);
    // free: headlines only, no provision detail
    expect((email?.text ?? "").replace(/\s+/g, " ")).toContain(ev.summary.slice(0, 40));
    expect(email?.text).not.toContain(ev.changes[0].summary.slice(0, 40));
  });

  it("a quiet week says so plainly and still carries highlights from other platforms", async () => {
    ctx.clock.set("2021-07-07T10:00:00Z");
    const u = await createUser(ctx, { tier: "free" });
    const mine = freshEvent("03-netflix-ai-prohibition");
    await watch(ctx, u, { platform: mine.platform.slug });
    const elsewhere = freshEvent("05-anthropic-arbitration"); // critical, on another platform
    ctx.clock.advance(60_000);
    await postEvent(ctx, elsewhere);
    ctx.clock.set("2021-07-12T09:00:00Z");
    await runDigests("2021-07-12T09:00:00Z");
    await d.dispatcher.runOnce();
    const [n] = await digestNotifications(u);
    const email = p.resend.emails.find((e) => e.id === n.providerMessageId);
    expect(email?.text).toContain("No changes to the 1 platform you watch this week");
    const [dg] = await ctx.database.db.select().from(digests).where(eq(digests.userId, u.id));
    expect((email?.text ?? "").toLowerCase()).toContain("highlights");
    expect(dg.plan.watchlist).toEqual([]);
    expect(dg.plan.highlights).toContain(elsewhere.id);
  });

  it("send_when_empty: false skips sending but still closes the period", async () => {
    ctx.clock.set("2021-09-01T10:00:00Z");
    const u = await createUser(ctx, { tier: "watcher" });
    await call(ctx, "PATCH", "/v1/me", { token: u.key, body: { digest: { send_when_empty: false } } });
    const run = await runDigests("2021-09-06T09:00:00Z");
    expect(run.json.digests).toBeGreaterThanOrEqual(1);
    expect(await digestNotifications(u)).toHaveLength(0);
    const row = await userRow(u);
    expect(row.digestPeriodStart?.toISOString()).toBe("2021-09-06T09:00:00.000Z");
    expect(row.nextDigestAt?.toISOString()).toBe("2021-09-13T09:00:00.000Z");
  });

  it("professional digests carry regulations and a regulatory exposure count", async () => {
    ctx.clock.set("2021-11-03T10:00:00Z");
    const ev = freshEvent("01-anthropic-ai-training");
    const u = await createUser(ctx, { tier: "professional" });
    await watch(ctx, u, { platform: ev.platform.slug });
    const secret = await addWebhook(u, "/digest-pro");
    await postEvent(ctx, ev);
    ctx.clock.set("2021-11-08T09:00:00Z");
    await runDigests("2021-11-08T09:00:00Z");
    await d.dispatcher.runOnce();
    const data = digestHit("/digest-pro", secret).data as Omit<DigestContent, "kind">;
    expect(data.watchlist[0].changes[0].regulations).toContain("GDPR");
    expect(data.regulatory_exposure).toContainEqual({ regulation: "GDPR", changes: 1 });
  });

  it("a schedule or zone change applies to the next digest and keeps the items collected so far", async () => {
    ctx.clock.set("2021-12-01T10:00:00Z"); // Wednesday
    const ev = freshEvent("03-netflix-ai-prohibition");
    const u = await createUser(ctx, { tier: "free" });
    await watch(ctx, u, { platform: ev.platform.slug });
    await postEvent(ctx, ev);
    const res = await call(ctx, "PATCH", "/v1/me", {
      token: u.key,
      body: { timezone: "Asia/Kolkata", digest: { day: "fri", hour: 8 } },
    });
    expect(res.json.digest).toMatchObject({ day: "fri", hour: 8, send_when_empty: true });
    expect((await userRow(u)).nextDigestAt?.toISOString()).toBe("2021-12-03T02:30:00.000Z");
    expect((await runDigests("2021-12-06T09:00:00Z")).json.digests).toBeGreaterThanOrEqual(1);
    const [dg] = await ctx.database.db.select().from(digests).where(eq(digests.userId, u.id));
    expect(dg.plan.watchlist).toEqual([ev.id]);
  });
});

describe.runIf(onPostgres)("weekly digest on PostgreSQL", () => {
  it("two planners racing build exactly one digest per user", async () => {
    ctx.clock.set("2019-04-03T10:00:00Z");
    const us = await Promise.all(Array.from({ length: 30 }, () => createUser(ctx, { tier: "free" })));
    const other = await openTestDatabase({ max: 5 });
    try {
      const now = new Date("2019-04-08T09:00:00Z");
      const results = await Promise.all([
        runDigestPlanner({ database: ctx.database, now, queueAt: now, chunkSize: 7 }),
        runDigestPlanner({ database: other, now, queueAt: now, chunkSize: 7 }),
      ]);
      expect(results[0].digests + results[1].digests).toBe(30);
      const [{ n, users: distinct }] = await rows<{ n: number; users: number }>(
        ctx.database.db,
        sql`select count(*)::int as n, count(distinct user_id)::int as users from digests
            where user_id = any(${textArray(us.map((u) => u.id))})`,
      );
      expect([n, distinct]).toEqual([30, 30]);
    } finally {
      await other.close();
    }
  });
});
