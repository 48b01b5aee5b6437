import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../src/db/schema";
import { messageLinks, type UnsubscribeScope } from "../../src/lib/links";
import { signToken } from "../../src/lib/tokens";
import { call, createTestContext, createUser, type TestContext, type TestUser } from "../helpers/app";
import { createDelivery, type Delivery, type Providers, startProviders } from "../helpers/delivery";
import { textOf } from "../helpers/page";

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

const flags = async (u: TestUser) => {
  const [row] = await ctx.database.db.select().from(users).where(eq(users.id, u.id));
  return { alertsOff: row.alertsOff, digestsOff: row.digestsOff };
};

/** The unsubscribe link a message of this scope carries, as a path. */
const linkFor = async (u: TestUser, scope: UnsubscribeScope) =>
  new URL(
    (await messageLinks(ctx.deps.keys, "http://x", { id: u.id, sessionEpoch: 0 }, scope, ctx.clock.now(), true)).unsubscribe,
  ).pathname;

/** RFC 8058 one-click: a mail client's POST, with no cookie and whatever Origin it has. */
const oneClick = (path: string, headers: Record<string, string> = {}) =>
  ctx.app.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: "List-Unsubscribe=One-Click",
  });

/** Makes the user's digest due now and runs the planner, then the dispatcher. */
async function sendDigest(u: TestUser) {
  await ctx.database.db
    .update(users)
    .set({ nextDigestAt: new Date(ctx.clock.now().getTime() - 60_000) })
    .where(eq(users.id, u.id));
  expect((await call(ctx, "POST", "/v1/admin/jobs/digests", { token: ctx.adminToken, body: {} })).status).toBe(200);
  await d.dispatcher.runOnce();
}

describe("unsubscribe scopes", () => {
  it.each([
    ["alerts", { alertsOff: true, digestsOff: false }, "same-day alerts"],
    ["digests", { alertsOff: false, digestsOff: true }, "the weekly digest"],
    ["all", { alertsOff: true, digestsOff: true }, "all clausewatch messages"],
  ] as const)("the %s link: GET only asks, a cookieless POST stops exactly that", async (scope, after, words) => {
    const u = await createUser(ctx, { tier: "watcher" });
    const path = await linkFor(u, scope);
    const shown = await ctx.app.request(path);
    expect(shown.status).toBe(200);
    expect(textOf(await shown.text())).toContain(`Stop receiving ${words}?`);
    expect(await flags(u)).toEqual({ alertsOff: false, digestsOff: false });

    const res = await oneClick(path, { origin: "https://mail.example" });
    expect(res.status).toBe(200);
    expect(await flags(u)).toEqual(after);
    // pressing again is harmless
    expect((await oneClick(path)).status).toBe(200);
    expect(await flags(u)).toEqual(after);
  });

  it("the List-Unsubscribe of a real digest email stops digests and nothing else; the next digest is not sent", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    await sendDigest(u);
    const digest = p.resend.emails.find((e) => e.to === u.email && /weekly digest/.test(e.subject));
    expect(digest?.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    const path = new URL(digest?.headers?.["List-Unsubscribe"]?.slice(1, -1) ?? "").pathname;
    expect((await oneClick(path)).status).toBe(200);
    expect(await flags(u)).toEqual({ alertsOff: false, digestsOff: true });

    const before = p.resend.emails.filter((e) => e.to === u.email).length;
    await sendDigest(u);
    expect(p.resend.emails.filter((e) => e.to === u.email)).toHaveLength(before);
  });

  it("tampered links and tokens of another purpose are a 400 page, by GET and by POST, and change nothing", async () => {
    const u = await createUser(ctx);
    const path = await linkFor(u, "all");
    const prefs = await signToken(ctx.deps.keys, { p: "preferences", s: u.id, e: Math.floor(Date.now() / 1000) + 600 });
    for (const bad of [`${path}x`, `/unsubscribe/${encodeURIComponent(prefs)}`]) {
      const get = await ctx.app.request(bad);
      expect(get.status).toBe(400);
      expect(get.headers.get("content-type")).toMatch(/^text\/html/);
      expect((await oneClick(bad)).status).toBe(400);
    }
    expect(await flags(u)).toEqual({ alertsOff: false, digestsOff: false });
  });
});
