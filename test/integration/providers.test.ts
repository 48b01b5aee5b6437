import { eq } from "drizzle-orm";
import { Webhook } from "svix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifications, suppressions } from "../../src/db/schema";
import { call, createTestContext, createUser, postEvent, type TestContext, uniq, watch } from "../helpers/app";
import { createDelivery, type Providers, startProviders } from "../helpers/delivery";
import { freshEvent } from "../helpers/events";

const SECRET = `whsec_${Buffer.from("resend-webhook-secret-for-tests!").toString("base64")}`;
let ctx: TestContext;
let p: Providers;

beforeAll(async () => {
  ctx = await createTestContext({ config: { resendWebhookSecret: SECRET } });
  p = await startProviders();
});
afterAll(async () => {
  await p.close();
  await ctx.close();
});

/** Signs like Resend (Svix) does and posts. */
async function resendWebhook(body: unknown, opts: { secret?: string; id?: string; at?: Date } = {}) {
  const raw = JSON.stringify(body);
  const id = opts.id ?? `msg_${uniq()}`;
  const at = opts.at ?? new Date();
  const signature = new Webhook(opts.secret ?? SECRET).sign(id, at, raw);
  const res = await ctx.app.request("/v1/providers/resend", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "svix-id": id,
      "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
      "svix-signature": signature,
    },
    body: raw,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const bounced = (to: string, type = "Permanent") => ({
  type: "email.bounced",
  created_at: new Date().toISOString(),
  data: { email_id: "re_123", to: [to], bounce: { type, message: "mailbox does not exist" } },
});

describe("POST /v1/providers/resend", () => {
  it("a hard bounce suppresses the address before the next send; the channel shows why", async () => {
    const ev = freshEvent("03-netflix-ai-prohibition");
    const u = await createUser(ctx, { tier: "watcher" });
    await call(ctx, "PATCH", "/v1/me", { token: u.key, body: { alerts: { window_minutes: 0 } } });
    await watch(ctx, u, { platform: ev.platform.slug });
    const res = await resendWebhook(bounced(u.email.toUpperCase()));
    expect(res).toEqual({ status: 200, json: { received: true, suppressed: 1 } });
    const [s] = await ctx.database.db.select().from(suppressions).where(eq(suppressions.email, u.email.toLowerCase()));
    expect(s.reason).toBe("hard_bounce");
    const chans = await call(ctx, "GET", "/v1/channels", { token: u.key });
    expect(chans.json.items).toEqual([expect.objectContaining({ type: "email", status: "disabled", status_reason: "bounced" })]);

    // the user turns the channel back on: the suppression list still stops the send
    const id = (chans.json.items as { id: string }[])[0].id;
    await call(ctx, "PATCH", `/v1/channels/${id}`, { token: u.key, body: { enabled: true } });
    await postEvent(ctx, ev);
    const before = p.resend.requests.length;
    await createDelivery(ctx, p).dispatcher.runOnce();
    const [n] = await ctx.database.db.select().from(notifications).where(eq(notifications.userId, u.id));
    expect(n.status).toBe("suppressed");
    expect(p.resend.requests.length).toBe(before);
  });

  it("a complaint suppresses too; a replayed webhook changes nothing twice", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const body = { type: "email.complained", data: { email_id: "re_9", to: [u.email] } };
    const first = await resendWebhook(body, { id: "msg_replay_1" });
    const again = await resendWebhook(body, { id: "msg_replay_1" });
    expect([first.status, again.status]).toEqual([200, 200]);
    const rows = await ctx.database.db.select().from(suppressions).where(eq(suppressions.email, u.email.toLowerCase()));
    expect(rows).toHaveLength(1);
    expect(rows[0].reason).toBe("complaint");
  });

  it("soft bounces and unknown event types answer 200 and are ignored", async () => {
    const u = await createUser(ctx);
    expect((await resendWebhook(bounced(u.email, "Transient"))).json).toEqual({ received: true, suppressed: 0 });
    expect((await resendWebhook({ type: "email.opened", data: { to: [u.email] } })).json).toEqual({
      received: true,
      suppressed: 0,
    });
    expect(await ctx.database.db.select().from(suppressions).where(eq(suppressions.email, u.email.toLowerCase()))).toEqual([]);
  });

  it("bad or stale signatures are 401 and change nothing", async () => {
    const u = await createUser(ctx);
    const wrong = `whsec_${Buffer.from("another-secret-entirely-32bytes!").toString("base64")}`;
    expect((await resendWebhook(bounced(u.email), { secret: wrong })).status).toBe(401);
    expect((await resendWebhook(bounced(u.email), { at: new Date(Date.now() - 10 * 60_000) })).status).toBe(401);
    const unsigned = await ctx.app.request("/v1/providers/resend", { method: "POST", body: JSON.stringify(bounced(u.email)) });
    expect(unsigned.status).toBe(401);
    expect(await ctx.database.db.select().from(suppressions).where(eq(suppressions.email, u.email.toLowerCase()))).toEqual([]);
  });
});
