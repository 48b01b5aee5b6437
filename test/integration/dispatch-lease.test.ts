import { inArray, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { notifications } from "../../src/db/schema";
import { createDispatcher, type Dispatcher } from "../../src/delivery/dispatcher";
import { createMetrics } from "../../src/delivery/metrics";
import { claimDue } from "../../src/delivery/outbox";
import type { Channel, OutboundMessage } from "../../src/delivery/types";
import { call, createTestContext, createUser, postEvent, type TestContext, watch } from "../helpers/app";
import { freshEvent } from "../helpers/events";

const LEASE_MS = 15_000;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ allowPrivateWebhooks: true });
});
afterAll(async () => {
  await ctx.close();
});
// Each test leaves rows due now on purpose; the next test's dispatcher must not find them.
afterEach(async () => {
  await ctx.database.db.execute(sql`update notifications set status = 'failed' where status in ('pending', 'sending')`);
});

/** Channels whose sends wait at a gate the test opens: a batch "still sending" for as long as it likes. */
function gatedChannels() {
  const started: OutboundMessage[] = [];
  const finished: OutboundMessage[] = [];
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const ch: Channel = {
    async send(msg) {
      started.push(msg);
      await gate;
      finished.push(msg);
      return { kind: "sent" };
    },
  };
  return { channels: { email: ch, slack: ch, webhook: ch }, started, finished, open: () => open() };
}

function dispatcherWith(channels: ReturnType<typeof gatedChannels>["channels"], over: { stopGraceMs?: number } = {}) {
  return createDispatcher({
    database: ctx.database,
    channels,
    keys: ctx.deps.keys,
    clock: ctx.clock,
    log: ctx.deps.log,
    metrics: createMetrics(),
    publicUrl: ctx.deps.config.publicUrl,
    leaseMs: LEASE_MS,
    // the tests renew by calling heartbeat() on the test clock; the timer never fires here
    heartbeatMs: 3_600_000,
    concurrency: 1,
    random: () => 0.5,
    ...over,
  });
}

/** `users` watchers with window 0, each with its account email and a webhook: two alerts per user per event. */
async function queueAlerts(users: number): Promise<string[]> {
  const ev = freshEvent("01-anthropic-ai-training");
  for (let i = 0; i < users; i++) {
    const u = await createUser(ctx, { tier: "watcher" });
    expect((await call(ctx, "PATCH", "/v1/me", { token: u.key, body: { alerts: { window_minutes: 0 } } })).status).toBe(200);
    await watch(ctx, u, { platform: ev.platform.slug });
    const hook = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "webhook", url: "http://127.0.0.1:9/hook" },
    });
    expect(hook.status).toBe(201);
  }
  expect((await postEvent(ctx, ev)).status).toBe(202);
  const due = await ctx.database.db
    .select({ id: notifications.id, next: notifications.nextAttemptAt })
    .from(notifications)
    .where(sql`${notifications.status} = 'pending' and ${notifications.kind} = 'alert'`);
  expect(due.length).toBe(users * 2);
  // the fan-out may date the rows by the database's clock: start the test clock where they are due
  ctx.clock.set(new Date(Math.max(ctx.clock.now().getTime(), ...due.map((r) => new Date(r.next).getTime()))));
  return due.map((r) => r.id);
}

const stateOf = async (ids: string[]) =>
  (
    await ctx.database.db
      .select({
        id: notifications.id,
        status: notifications.status,
        attempts: notifications.attempts,
        next: notifications.nextAttemptAt,
        lease: notifications.leaseUntil,
      })
      .from(notifications)
      .where(inArray(notifications.id, ids))
  ).sort((a, b) => a.id.localeCompare(b.id));

const until = async (cond: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

describe("dispatcher lease: heartbeat", () => {
  it("renews the lease of a batch still sending, so another dispatcher cannot claim its rows", async () => {
    const ids = await queueAlerts(2);
    const g = gatedChannels();
    const a = dispatcherWith(g.channels);
    const t0 = ctx.clock.now().getTime();
    const running = a.runOnce();
    await until(() => g.started.length === 1);
    for (const r of await stateOf(ids)) {
      expect(r).toMatchObject({ status: "sending", attempts: 1 });
      expect(new Date(r.next).getTime()).toBe(t0 + LEASE_MS);
      expect(r.lease && new Date(r.lease).getTime()).toBe(t0 + LEASE_MS);
    }

    ctx.clock.advance(10_000);
    expect(await a.heartbeat()).toBe(4);
    for (const r of await stateOf(ids)) {
      expect(r).toMatchObject({ status: "sending", attempts: 1 });
      expect(new Date(r.next).getTime()).toBe(t0 + 10_000 + LEASE_MS);
    }
    // 20 s after the claim, 5 s past the first lease: without the renewal these rows would be due
    ctx.clock.advance(10_000);
    expect((await claimDue(ctx.database.db, ctx.clock.now(), 100, LEASE_MS)).claimed.map((c) => c.id)).toEqual([]);

    // renewed again (as the timer would every 5 s), the rest of the batch still goes out from A
    expect(await a.heartbeat()).toBe(4);
    g.open();
    expect(await running).toBe(4);
    expect(g.finished.length).toBe(4);
    expect((await stateOf(ids)).map((r) => [r.status, r.attempts, r.lease])).toEqual(ids.map(() => ["sent", 1, null]));
  });

  it("a dispatcher whose lease ran out cannot renew the new claim, and does not send the rows it lost", async () => {
    const ids = await queueAlerts(2);
    const g = gatedChannels();
    const a = dispatcherWith(g.channels);
    const running = a.runOnce();
    await until(() => g.started.length === 1);

    // A stalls past its lease without a heartbeat; B claims all four rows (attempts 2).
    ctx.clock.advance(LEASE_MS + 1_000);
    const tb = ctx.clock.now().getTime();
    const b = await claimDue(ctx.database.db, ctx.clock.now(), 100, LEASE_MS);
    expect(b.claimed.map((c) => c.id).sort()).toEqual([...ids].sort());

    ctx.clock.advance(2_000);
    expect(await a.heartbeat()).toBe(0);
    for (const r of await stateOf(ids)) {
      expect(r).toMatchObject({ status: "sending", attempts: 2 });
      expect(new Date(r.next).getTime()).toBe(tb + LEASE_MS);
    }

    g.open();
    await running;
    // only the send already in flight went out; A's record of it is fenced off B's claim
    expect(g.started.length).toBe(1);
    expect((await stateOf(ids)).map((r) => [r.status, r.attempts])).toEqual(ids.map(() => ["sending", 2]));
  });
});

describe("dispatcher lease: stop() hands claims back", () => {
  /** Runs the loop until the first send has started, with everything else claimed behind it. */
  async function startedWithOneInFlight(over: { stopGraceMs?: number } = {}) {
    const ids = await queueAlerts(3);
    const g = gatedChannels();
    const d: Dispatcher = dispatcherWith(g.channels, over);
    await d.start();
    await until(() => g.started.length === 1);
    return { ids, g, d, sentId: g.started[0].id };
  }

  it("the send in flight finishes within the grace; every row not yet sent goes back, due now, its attempt returned", async () => {
    const { ids, g, d, sentId } = await startedWithOneInFlight({ stopGraceMs: 10_000 });
    const stopped = d.stop();
    setTimeout(() => g.open(), 100);
    await stopped;
    const now = ctx.clock.now().getTime();
    expect(g.started.length).toBe(1);
    for (const r of await stateOf(ids)) {
      if (r.id === sentId) expect(r).toMatchObject({ status: "sent", attempts: 1 });
      else {
        expect(r).toMatchObject({ status: "pending", attempts: 0, lease: null });
        expect(new Date(r.next).getTime()).toBe(now);
      }
    }
    // what was handed back is claimable at once by another dispatcher
    const other = await claimDue(ctx.database.db, ctx.clock.now(), 100, LEASE_MS);
    expect(other.claimed.map((c) => c.id).sort()).toEqual(ids.filter((id) => id !== sentId).sort());
  });

  it("past the grace a hung send is abandoned: its row goes back too, with its attempt counted; nothing is left sending", async () => {
    const { ids, g, d, sentId } = await startedWithOneInFlight({ stopGraceMs: 200 });
    const started = Date.now();
    await d.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    const states = await stateOf(ids);
    expect(states.filter((r) => r.status === "sending")).toEqual([]);
    expect(states.find((r) => r.id === sentId)).toMatchObject({ status: "pending", attempts: 1, lease: null });
    expect(states.filter((r) => r.id !== sentId).map((r) => [r.status, r.attempts])).toEqual(
      ids.slice(1).map(() => ["pending", 0]),
    );
    // the abandoned send answering late changes nothing
    g.open();
    await new Promise((r) => setTimeout(r, 50));
    expect(await stateOf(ids)).toEqual(states);
  });
});
