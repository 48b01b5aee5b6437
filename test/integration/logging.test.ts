import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifications } from "../../src/db/schema";
import { runJob } from "../../src/jobs/scheduler";
import { createLogger } from "../../src/lib/log";
import { call, createTestContext, createUser, postEvent, type TestContext, type TestUser, watch } from "../helpers/app";
import { createDelivery, type Delivery, type Providers, startProviders } from "../helpers/delivery";
import { freshEvent } from "../helpers/events";

type Line = Record<string, unknown> & { level: string; msg: string; time: string };

const captured: string[] = [];
const lines = () => captured.map((l) => JSON.parse(l) as Line);
const withMsg = (msg: string) => lines().filter((l) => l.msg === msg);

let ctx: TestContext;
let p: Providers;
let d: Delivery;
/** every secret the run below handles; none may reach a log line */
const secrets: Record<string, string> = {};

beforeAll(async () => {
  ctx = await createTestContext({
    allowPrivateWebhooks: true,
    log: createLogger("debug", (line) => captured.push(line)),
  });
  p = await startProviders();
  d = createDelivery(ctx, p);
  secrets.ADMIN_TOKEN = ctx.adminToken;
  secrets.INGEST_SECRET = ctx.ingestSecret;
  secrets["INGEST_SECRET key"] = ctx.ingestSecret.replace(/^whsec_/, "");
});
afterAll(async () => {
  await p.close();
  await ctx.close();
});

/** A watcher (window 0) with its account email, a signed webhook and a Slack channel. */
async function watcherWithChannels(platform: string): Promise<{ user: TestUser; hookPath: string }> {
  const user = await createUser(ctx, { tier: "watcher" });
  secrets[`API key ${user.id}`] = user.key;
  expect((await call(ctx, "PATCH", "/v1/me", { token: user.key, body: { alerts: { window_minutes: 0 } } })).status).toBe(200);
  await watch(ctx, user, { platform });
  const hookPath = `/log-${user.id}/token-in-path?sig=query-secret-${user.id}`;
  const hook = await call(ctx, "POST", "/v1/channels", {
    token: user.key,
    body: { type: "webhook", url: `${p.receiver.url}${hookPath}` },
  });
  expect(hook.status).toBe(201);
  secrets[`signing secret ${user.id}`] = hook.json.signing_secret as string;
  secrets[`webhook query ${user.id}`] = `query-secret-${user.id}`;
  secrets[`webhook path ${user.id}`] = `/log-${user.id}/token-in-path`;
  const slackToken = `xoxb-${user.id.replace(/[^A-Za-z0-9]/g, "")}-secretslacktoken`;
  secrets[`Slack token ${user.id}`] = slackToken;
  const slack = await call(ctx, "POST", "/v1/channels", {
    token: user.key,
    body: { type: "slack", bot_token: slackToken, channel: "#legal" },
  });
  expect(slack.status).toBe(201);
  return { user, hookPath };
}

describe("operator log lines", () => {
  it("ingest → deliver → retry → digest → job: one JSON line per step, with its fields", async () => {
    const ev = freshEvent("01-anthropic-ai-training");
    const { user } = await watcherWithChannels(ev.platform.slug);
    const posted = await postEvent(ctx, ev);
    expect(posted.status).toBe(202);

    // accepted with one write; the counts come from the fan-out worker, a line per event (debug)
    // and one per batch (info)
    const [accepted] = withMsg("event accepted").filter((l) => l.event_id === ev.id);
    expect(accepted).toMatchObject({ level: "info", event_id: ev.id, duration_ms: expect.any(Number) });
    const [fanned] = withMsg("event fanned out").filter((l) => l.event_id === ev.id);
    expect(fanned).toMatchObject({ level: "debug", matched_users: 1, alerts: 3, digest_items: 1 });
    expect(withMsg("fan-out batch").at(-1)).toMatchObject({
      level: "info",
      events: 1,
      matched_users: 1,
      alerts: 3,
      duration_ms: expect.any(Number),
    });

    // a repeat is no acceptance
    await postEvent(ctx, ev);
    expect(withMsg("event accepted").filter((l) => l.event_id === ev.id)).toHaveLength(1);

    expect(await d.dispatcher.runOnce()).toBe(3);
    const mine = await ctx.database.db.select().from(notifications).where(eq(notifications.userId, user.id));
    const deliveries = withMsg("delivery").filter((l) => mine.some((n) => n.id === l.notification_id));
    expect(deliveries.map((l) => l.channel_type).sort()).toEqual(["email", "slack", "webhook"]);
    for (const l of deliveries) {
      expect(l).toMatchObject({ level: "info", outcome: "sent", attempt: 1, kind: "alert" });
      expect(l.latency_ms).toEqual(expect.any(Number));
    }
    // debug: the outbox statements' timing
    expect(withMsg("outbox claim").at(-1)).toMatchObject({ level: "debug", claimed: 3, duration_ms: expect.any(Number) });
    expect(withMsg("outbox complete").at(-1)).toMatchObject({ level: "debug", rows: 3, recorded: 3 });

    // a receiver error: outcome retry, with the reason and no more
    const ev2 = freshEvent("05-anthropic-arbitration", { platformSlug: ev.platform.slug });
    p.receiver.script({ status: 503 });
    await postEvent(ctx, ev2);
    await d.dispatcher.runOnce();
    const retried = withMsg("delivery").filter((l) => l.outcome === "retry");
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatchObject({ channel_type: "webhook", attempt: 1, reason: "webhook receiver answered 503" });

    // the digest planner, through the operator's job route
    const now = new Date(ctx.clock.now().getTime() + 8 * 86_400_000).toISOString();
    expect((await call(ctx, "POST", "/v1/admin/jobs/digests", { token: ctx.adminToken, body: { now } })).status).toBe(200);
    const [batch] = withMsg("digest batch");
    expect(batch).toMatchObject({ level: "info", digests: expect.any(Number), duration_ms: expect.any(Number) });
    expect(batch.users as number).toBeGreaterThanOrEqual(1);
    expect(withMsg("digest planner done").at(-1)).toMatchObject({ duration_ms: expect.any(Number) });
    ctx.clock.advance(10_000);
    while ((await d.dispatcher.runOnce()) > 0);
    expect(withMsg("delivery").filter((l) => l.kind === "digest" && l.outcome === "sent").length).toBeGreaterThanOrEqual(3);

    // a job run, as the scheduler makes it each minute
    const deps = { database: ctx.database, clock: ctx.clock, log: ctx.deps.log };
    await runJob(deps, { name: "probe", run: async () => ({ things: 2 }) });
    expect(withMsg("job run").at(-1)).toMatchObject({ level: "info", name: "probe", outcome: "ok", things: 2 });
    expect(withMsg("job run").at(-1)?.duration_ms).toEqual(expect.any(Number));
    await runJob(deps, {
      name: "broken",
      run: async () => {
        throw new Error("boom");
      },
    });
    expect(withMsg("job run").at(-1)).toMatchObject({ level: "error", name: "broken", outcome: "failed" });
  });

  it("every line is one JSON object with level, time and msg", () => {
    expect(captured.length).toBeGreaterThan(10);
    for (const l of lines()) {
      expect(["debug", "info", "warn", "error"]).toContain(l.level);
      expect(typeof l.msg).toBe("string");
      expect(Number.isNaN(Date.parse(l.time))).toBe(false);
    }
  });

  it("no secret appears in any line of the run", () => {
    expect(Object.keys(secrets).length).toBeGreaterThanOrEqual(8);
    const all = captured.join("\n");
    const leaked = Object.entries(secrets).filter(([, s]) => all.includes(s));
    expect(leaked.map(([name]) => name)).toEqual([]);
  });
});
