import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
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
  d = createDelivery(ctx, p);
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (0.0.4); comment lines must be HELP or TYPE. */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("#")) {
      expect(line).toMatch(/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* /);
      continue;
    }
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample with this name and (at least) these labels; undefined when none. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

async function scrape(c: TestContext = ctx, headers: Record<string, string> = {}) {
  const res = await c.app.request("/metrics", { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
}

/** A watcher on a fresh platform whose only channel is a webhook on the fake receiver. */
async function webhookWatcher(platform: string, windowMinutes: number): Promise<TestUser> {
  const u = await createUser(ctx, { tier: "watcher" });
  const me = await call(ctx, "PATCH", "/v1/me", { token: u.key, body: { alerts: { window_minutes: windowMinutes } } });
  expect(me.status).toBe(200);
  await watch(ctx, u, { platform });
  const list = await call(ctx, "GET", "/v1/channels", { token: u.key });
  const email = (list.json.items as { id: string; type: string }[]).find((c) => c.type === "email");
  expect((await call(ctx, "PATCH", `/v1/channels/${email?.id}`, { token: u.key, body: { enabled: false } })).status).toBe(200);
  const hook = await call(ctx, "POST", "/v1/channels", { token: u.key, body: { type: "webhook", url: `${p.receiver.url}/m` } });
  expect(hook.status).toBe(201);
  return u;
}

describe("GET /metrics", () => {
  it("after ingest → dispatch: histograms, delivery counters, outbox gauges and process defaults", async () => {
    const before = await scrape();
    const ev = freshEvent("01-anthropic-ai-training");
    await webhookWatcher(ev.platform.slug, 0);
    expect((await postEvent(ctx, ev)).status).toBe(202);

    // queued, not yet sent: the pending gauge counts it
    const queued = await scrape();
    const pendingBefore = value(before, "clausewatch_outbox_pending", { channel: "webhook", status: "pending" }) ?? 0;
    expect(value(queued, "clausewatch_outbox_pending", { channel: "webhook", status: "pending" })).toBe(pendingBefore + 1);
    expect(value(queued, "clausewatch_outbox_pending", { channel: "slack", status: "sending" })).toBe(0);
    expect(value(queued, "clausewatch_ingest_duration_seconds_count")).toBe(
      (value(before, "clausewatch_ingest_duration_seconds_count") ?? 0) + 1,
    );
    expect(value(queued, "clausewatch_ingest_duration_seconds_bucket", { le: "+Inf" })).toBe(
      value(queued, "clausewatch_ingest_duration_seconds_count"),
    );

    ctx.clock.advance(2_000);
    expect(await d.dispatcher.runOnce()).toBeGreaterThanOrEqual(1);
    const after = await scrape();
    const sent = { channel: "webhook", outcome: "sent" };
    expect(value(after, "clausewatch_deliveries_total", sent)).toBe(
      (value(before, "clausewatch_deliveries_total", sent) ?? 0) + 1,
    );
    const latencyCount = value(after, "clausewatch_event_delivery_latency_seconds_count", { channel: "webhook" }) ?? 0;
    expect(latencyCount).toBeGreaterThan(0);
    // the alert was opened at ingest and sent two seconds later on the test clock
    expect(value(after, "clausewatch_event_delivery_latency_seconds_sum", { channel: "webhook" })).toBeGreaterThanOrEqual(2);
    expect(value(after, "clausewatch_send_duration_seconds_count", { channel: "webhook" })).toBeGreaterThan(0);
    expect(value(after, "clausewatch_outbox_pending", { channel: "webhook", status: "pending" })).toBe(pendingBefore);
    expect(value(after, "clausewatch_notifications", { status: "sent" })).toBeGreaterThan(0);
    expect(value(after, "clausewatch_provider_held", { channel: "email" })).toBe(0);
    expect(value(after, "process_cpu_user_seconds_total") ?? value(after, "nodejs_heap_size_total_bytes")).toBeGreaterThan(0);
  });

  it("counts a retried attempt under outcome=retry", async () => {
    const ev = freshEvent("05-anthropic-arbitration");
    await webhookWatcher(ev.platform.slug, 0);
    const retry = { channel: "webhook", outcome: "retry" };
    const before = value(await scrape(), "clausewatch_deliveries_total", retry) ?? 0;
    p.receiver.script({ status: 503 });
    await postEvent(ctx, ev);
    await d.dispatcher.runOnce();
    expect(value(await scrape(), "clausewatch_deliveries_total", retry)).toBe(before + 1);
    // let it go out, so later tests start from an empty due queue
    ctx.clock.advance(10_000);
    await d.dispatcher.runOnce();
  });

  it("counts a suppressed delivery under its channel's type", async () => {
    const ev = freshEvent("01-anthropic-ai-training");
    const u = await webhookWatcher(ev.platform.slug, 0);
    const suppressed = { channel: "webhook", outcome: "suppressed" };
    const before = value(await scrape(), "clausewatch_deliveries_total", suppressed) ?? 0;
    expect((await postEvent(ctx, ev)).fanout?.alerts).toBe(1);
    // switched off after the alert was queued: the dispatcher suppresses it instead of sending
    const hooks = (await call(ctx, "GET", "/v1/channels", { token: u.key })).json.items as { id: string; type: string }[];
    const hook = hooks.find((c) => c.type === "webhook");
    expect((await call(ctx, "PATCH", `/v1/channels/${hook?.id}`, { token: u.key, body: { enabled: false } })).status).toBe(200);
    ctx.clock.advance(2_000);
    while ((await d.dispatcher.runOnce()) > 0);
    const after = await scrape();
    expect(value(after, "clausewatch_deliveries_total", suppressed)).toBe(before + 1);
    expect(value(after, "clausewatch_deliveries_total", { channel: "unknown", outcome: "suppressed" })).toBeUndefined();
  });

  it("the oldest due row's age, on the app's clock", async () => {
    while ((await d.dispatcher.runOnce()) > 0);
    expect(value(await scrape(), "clausewatch_outbox_oldest_due_age_seconds")).toBe(0);
    const ev = freshEvent("01-anthropic-ai-training");
    await webhookWatcher(ev.platform.slug, 0);
    await postEvent(ctx, ev);
    ctx.clock.advance(90_000);
    expect(value(await scrape(), "clausewatch_outbox_oldest_due_age_seconds")).toBeGreaterThanOrEqual(90);
    await d.dispatcher.runOnce();
    expect(value(await scrape(), "clausewatch_outbox_oldest_due_age_seconds")).toBe(0);
  });

  it("each app has its own registry: another app on the same database counts nothing of this one's", async () => {
    const other = await createTestContext({ database: ctx.database });
    const samples = await scrape(other);
    expect(value(samples, "clausewatch_deliveries_total", { channel: "webhook", outcome: "sent" })).toBeUndefined();
    expect(value(samples, "clausewatch_ingest_duration_seconds_count")).toBe(0);
    // the outbox gauges read the shared database, so they agree
    expect(value(samples, "clausewatch_notifications", { status: "sent" })).toBe(
      value(await scrape(), "clausewatch_notifications", { status: "sent" }),
    );
  });
});

describe("METRICS_TOKEN", () => {
  const token = "mtr_0123456789abcdefXYZ";
  let guarded: TestContext;
  beforeAll(async () => {
    guarded = await createTestContext({ database: ctx.database, config: { metricsToken: token } });
  });

  it.each([
    ["no authorization", undefined],
    ["a wrong token", "Bearer mtr_0123456789abcdefXYz"],
    ["the admin token", "admin"],
    ["the token without Bearer", token],
  ])("401 in the contract's error shape with %s", async (_, header) => {
    const headers: Record<string, string> = {};
    if (header) headers.authorization = header === "admin" ? `Bearer ${guarded.adminToken}` : header;
    const res = await guarded.app.request("/metrics", { headers });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; message: string; request_id: string } };
    expect(body.error.code).toBe("unauthorized");
    expect(body.error.request_id).toBeTruthy();
  });

  it("200 with the bearer token; without METRICS_TOKEN no token is needed", async () => {
    const samples = await scrape(guarded, { authorization: `Bearer ${token}` });
    expect(value(samples, "clausewatch_provider_held", { channel: "email" })).toBe(0);
    expect((await ctx.app.request("/metrics")).status).toBe(200);
  });
});
