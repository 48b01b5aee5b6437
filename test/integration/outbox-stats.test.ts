import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { claimDue } from "../../src/delivery/outbox";
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
beforeEach(async () => {
  d = createDelivery(ctx, p);
  // every test starts with nothing due (what earlier tests left behind is sent or failed)
  while ((await d.dispatcher.runOnce()) > 0);
});

interface Stats {
  pending: { channel_type: string; status: string; count: number }[];
  oldest_due_age_seconds: number | null;
  failures_last_hour: number;
}

async function stats(): Promise<Stats> {
  const res = await call(ctx, "GET", "/v1/admin/outbox/stats", { token: ctx.adminToken });
  expect(res.status).toBe(200);
  return res.json as unknown as Stats;
}

const count = (s: Stats, channel_type: string, status: string) =>
  s.pending.find((g) => g.channel_type === channel_type && g.status === status)?.count ?? 0;

/** A watcher with alerts on its account email and on a webhook, grouped over `windowMinutes`. */
async function watcher(platform: string, windowMinutes: number): Promise<TestUser> {
  const u = await createUser(ctx, { tier: "watcher" });
  const me = await call(ctx, "PATCH", "/v1/me", { token: u.key, body: { alerts: { window_minutes: windowMinutes } } });
  expect(me.status).toBe(200);
  await watch(ctx, u, { platform });
  const hook = await call(ctx, "POST", "/v1/channels", { token: u.key, body: { type: "webhook", url: `${p.receiver.url}/s` } });
  expect(hook.status).toBe(201);
  return u;
}

describe("GET /v1/admin/outbox/stats", () => {
  it.each([
    ["no token", undefined],
    ["a user's API key", "user"],
    ["a wrong operator token", "adm_not-the-right-token-at-all"],
  ])("401 with %s", async (_, token) => {
    const u = await createUser(ctx);
    const res = await call(ctx, "GET", "/v1/admin/outbox/stats", { token: token === "user" ? u.key : token });
    expect(res.status).toBe(401);
    expect((res.json.error as { code: string }).code).toBe("unauthorized");
  });

  it("counts queued alerts per channel type; nothing due while their grouping window is open", async () => {
    const before = await stats();
    expect(before.oldest_due_age_seconds).toBeNull();
    const ev = freshEvent("01-anthropic-ai-training");
    await watcher(ev.platform.slug, 30);
    await watcher(ev.platform.slug, 30);
    expect((await postEvent(ctx, ev)).fanout?.alerts).toBe(4);

    const after = await stats();
    expect(count(after, "email", "pending")).toBe(count(before, "email", "pending") + 2);
    expect(count(after, "webhook", "pending")).toBe(count(before, "webhook", "pending") + 2);
    expect(count(after, "slack", "pending")).toBe(count(before, "slack", "pending"));
    expect(after.pending.every((g) => g.count > 0 && ["pending", "sending"].includes(g.status))).toBe(true);
    expect(after.oldest_due_age_seconds).toBeNull();

    // the window closes: due, and waiting on the app's clock
    ctx.clock.advance(31 * 60_000);
    expect((await stats()).oldest_due_age_seconds).toBe(60);
  });

  it("a claimed row is `sending`; once its lease runs out it is due and ages", async () => {
    const before = await stats();
    const ev = freshEvent("05-anthropic-arbitration");
    await watcher(ev.platform.slug, 0);
    await postEvent(ctx, ev);
    const claimed = await claimDue(ctx.database.db, ctx.clock.now(), 100, 60_000);
    expect(claimed.claimed).toHaveLength(2);

    const during = await stats();
    expect(count(during, "webhook", "sending")).toBe(count(before, "webhook", "sending") + 1);
    expect(count(during, "email", "sending")).toBe(count(before, "email", "sending") + 1);
    expect(during.oldest_due_age_seconds).toBeNull();

    ctx.clock.advance(75_000);
    expect((await stats()).oldest_due_age_seconds).toBe(15);
    await d.dispatcher.runOnce(); // re-claimed and sent
    const after = await stats();
    expect(count(after, "webhook", "sending")).toBe(count(before, "webhook", "sending"));
    expect(after.oldest_due_age_seconds).toBeNull();
  });

  it("failures in the last hour: a permanent webhook error counts, and an hour later no longer", async () => {
    const before = await stats();
    const ev = freshEvent("01-anthropic-ai-training");
    await watcher(ev.platform.slug, 0);
    p.receiver.script({ status: 400 });
    await postEvent(ctx, ev);
    await d.dispatcher.runOnce();
    expect((await stats()).failures_last_hour).toBe(before.failures_last_hour + 1);
    ctx.clock.advance(61 * 60_000);
    expect((await stats()).failures_last_hour).toBe(0);
  });
});
