import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifications, users } from "../../src/db/schema";
import { VERIFY_SUBJECT } from "../../src/lib/format";
import { signToken } from "../../src/lib/tokens";
import { call, createTestContext, createUser, postEvent, type TestContext, type TestUser, watch } from "../helpers/app";
import { createDelivery, type Delivery, type Providers, startProviders } from "../helpers/delivery";
import { freshEvent } from "../helpers/events";
import { PageClient, signIn, textOf } from "../helpers/page";

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

const mailTo = (address: string) =>
  p.resend.emails.filter((e) => e.to === address || (Array.isArray(e.to) && e.to.includes(address)));
const channelsOf = async (u: TestUser) => (await call(ctx, "GET", "/v1/channels", { token: u.key })).json.items as Json[];

/** The confirmation link of the email sent to `address`, as a path. */
function verifyPath(address: string): string {
  const [email] = mailTo(address);
  const href = email?.html?.match(/href="(http:\/\/clausewatch\.test\/verify-email\/[^"]+)"/)?.[1];
  if (!href) throw new Error(`no confirmation link mailed to ${address}`);
  return new URL(href.replace(/&amp;/g, "&")).pathname;
}

/** A watcher with alerts sent at once, watching the platform of a fresh event, and one extra address. */
async function setUp(address: string) {
  const u = await createUser(ctx, { tier: "watcher" });
  await call(ctx, "PATCH", "/v1/me", { token: u.key, body: { alerts: { window_minutes: 0 } } });
  const slug = `${u.id.slice(-8)}-platform`;
  await watch(ctx, u, { platform: slug });
  const created = await call(ctx, "POST", "/v1/channels", { token: u.key, body: { type: "email", address } });
  expect(created.status).toBe(201);
  return { u, slug, channelId: created.json.id as string };
}

describe("double opt-in for extra addresses", () => {
  it("a pending address gets only its confirmation email; after the POST it is active and gets alerts", async () => {
    const address = `extra-${Date.now()}@example.com`;
    const { u, slug, channelId } = await setUp(address);
    expect((await channelsOf(u)).find((c) => c.id === channelId)?.status).toBe("pending_verification");
    const queued = await ctx.database.db.select().from(notifications).where(eq(notifications.channelId, channelId));
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ kind: "notice", payload: { key: `verify:${channelId}`, notice: "verify_email" } });

    await postEvent(ctx, freshEvent("03-netflix-ai-prohibition", { platformSlug: slug }));
    await d.dispatcher.runOnce();
    const first = mailTo(address);
    expect(first).toHaveLength(1);
    expect(first[0].subject).toBe(VERIFY_SUBJECT);
    expect(first[0].text).toMatch(/http:\/\/clausewatch\.test\/verify-email\/\S+/);
    expect(first[0].headers?.["List-Unsubscribe"]).toMatch(/^<http:\/\/clausewatch\.test\/unsubscribe\//);
    // the alert reached the account address only
    expect(mailTo(u.email).map((e) => e.subject)).toEqual([expect.stringMatching(/^\[(Low|Medium|High|Critical)\] Netflix/)]);
    const skipped = await ctx.database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.channelId, channelId), eq(notifications.kind, "alert")));
    expect(skipped.every((n) => n.status === "suppressed")).toBe(true);

    const path = verifyPath(address);
    const page = new PageClient(ctx);
    const shown = await page.get(path);
    expect(shown.status).toBe(200);
    expect(shown.html).toContain(`<form method="post" action="${path}">`);
    // GET (what mail scanners do) confirms nothing
    expect((await channelsOf(u)).find((c) => c.id === channelId)?.status).toBe("pending_verification");

    const confirmed = await page.post(path);
    expect(confirmed.status).toBe(200);
    expect(textOf(confirmed.html)).toContain(`${address} is confirmed`);
    expect((await channelsOf(u)).find((c) => c.id === channelId)?.status).toBe("active");
    expect(textOf((await page.get(path)).html)).toContain("Already confirmed");

    await postEvent(ctx, freshEvent("01-anthropic-ai-training", { platformSlug: slug }));
    await d.dispatcher.runOnce();
    expect(mailTo(address).map((e) => e.subject)).toEqual([
      VERIFY_SUBJECT,
      expect.stringMatching(/^\[(Low|Medium|High|Critical)\] Anthropic/),
    ]);
  });

  it("a test message to a pending address is refused; the account address is active without a link", async () => {
    const address = `pending-${Date.now()}@example.com`;
    const { u, channelId } = await setUp(address);
    expect((await call(ctx, "POST", `/v1/channels/${channelId}/test`, { token: u.key })).status).toBe(409);
    const own = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "email", address: u.email.toUpperCase() },
    });
    expect(own.status).toBe(409); // the account address exists already, and is active
  });

  it("tampered, expired and wrong-purpose links are refused with a 400 page; the address stays pending", async () => {
    const address = `tamper-${Date.now()}@example.com`;
    const { u, channelId } = await setUp(address);
    await d.dispatcher.runOnce();
    const path = verifyPath(address);
    const token = decodeURIComponent(path.split("/").pop() ?? "");
    const [body, sig] = token.split(".");
    const forged = await signToken(ctx.deps.keys, { p: "preferences", s: channelId, e: Math.floor(Date.now() / 1000) + 600 });
    const tamperedSig = `${body}.${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`;
    for (const bad of [tamperedSig, forged, "x.y"]) {
      const res = await new PageClient(ctx).post(`/verify-email/${encodeURIComponent(bad)}`);
      expect(res.status).toBe(400);
      expect(textOf(res.html)).toContain("damaged or has expired");
    }
    const issued = ctx.clock.now();
    try {
      ctx.clock.set(new Date(issued.getTime() + 8 * 86_400_000));
      const late = await new PageClient(ctx).post(path);
      expect(late.status).toBe(400);
      expect((await new PageClient(ctx).get(path)).status).toBe(400);
    } finally {
      ctx.clock.set(issued);
    }
    expect((await channelsOf(u)).find((c) => c.id === channelId)?.status).toBe("pending_verification");
  });

  it("an address added on the preference page gets one confirmation email too", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const address = `page-${Date.now()}@example.com`;
    const page = await signIn(ctx, u);
    await page.post("/preferences/channels/add", { type: "email", address });
    await d.dispatcher.runOnce();
    await d.dispatcher.runOnce();
    expect(mailTo(address).map((e) => e.subject)).toEqual([VERIFY_SUBJECT]);
    expect(await verifyPath(address)).toMatch(/^\/verify-email\//);
  });

  it("a removed address cannot be confirmed, and its confirmation email is not sent", async () => {
    const address = `removed-${Date.now()}@example.com`;
    const { u, channelId } = await setUp(address);
    const token = await signToken(ctx.deps.keys, { p: "verify-email", s: channelId, e: Math.floor(Date.now() / 1000) + 600 });
    expect((await call(ctx, "DELETE", `/v1/channels/${channelId}`, { token: u.key })).status).toBe(204);
    await d.dispatcher.runOnce();
    expect(mailTo(address)).toEqual([]);
    const res = await new PageClient(ctx).post(`/verify-email/${encodeURIComponent(token)}`);
    expect(res.status).toBe(400);
    expect(textOf(res.html)).toContain("was removed");
  });

  it("the unsubscribe link in a confirmation email stops only that address, not the owner's messages", async () => {
    const address = `typo-${Date.now()}@example.com`;
    const { u, channelId } = await setUp(address);
    await d.dispatcher.runOnce();
    const [mail] = mailTo(address);
    const link = mail?.headers?.["List-Unsubscribe"]?.slice(1, -1) ?? "";
    const res = await ctx.app.request(new URL(link).pathname, { method: "POST", body: "List-Unsubscribe=One-Click" });
    expect(res.status).toBe(200);
    const chans = await channelsOf(u);
    expect(chans.find((c) => c.id === channelId)).toMatchObject({ status: "disabled", status_reason: "unsubscribed" });
    expect(chans.find((c) => c.id !== channelId)).toMatchObject({ type: "email", status: "active" });
    const me = await call(ctx, "GET", "/v1/me", { token: u.key });
    expect(me.json.alerts).toBeDefined();
    const [row] = await ctx.database.db.select().from(users).where(eq(users.id, u.id));
    expect([row.alertsOff, row.digestsOff]).toEqual([false, false]);
  });
});
