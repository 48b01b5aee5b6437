import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestItems, events, notificationEvents, notifications } from "../../src/db/schema";
import { rows } from "../../src/db/types";
import { call, createTestContext, createUser, fannedOut, postEvent, type TestContext, uniq, watch } from "../helpers/app";
import { freshEvent } from "../helpers/events";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const countWhere = async (table: typeof digestItems | typeof notificationEvents, eventId: string) => {
  const [r] = await rows<{ n: number }>(
    ctx.database.db,
    sql`select count(*)::int as n from ${table} where event_id = ${eventId}`,
  );
  return r.n;
};

describe("POST /v1/events", () => {
  it("stores the event verbatim, grows the catalog and matches watchers by tier", async () => {
    const ev = freshEvent("01-anthropic-ai-training");
    const p = ev.platform.slug;
    const free = await createUser(ctx);
    const watcher = await createUser(ctx, { tier: "watcher" });
    const pro = await createUser(ctx, { tier: "professional" });
    const bystander = await createUser(ctx, { tier: "watcher" });
    await watch(ctx, free, { platform: p });
    await watch(ctx, watcher, { platform: p, document: ev.document.slug, min_severity: "high" });
    await watch(ctx, pro, { platform: p });
    await watch(ctx, pro, { platform: p, document: ev.document.slug, provision: "ai-model-training-use-of-materials" });
    await watch(ctx, bystander, { platform: uniq("other") });

    const raw = `${JSON.stringify(ev, null, 2)}\n`;
    const res = await postEvent(ctx, ev, { raw });
    expect(res.status).toBe(202);
    // free gets a digest item only; watcher and professional get one alert on their account email
    expect(res.json).toMatchObject({ event_id: ev.id, duplicate: false });
    expect(res.fanout).toEqual({ matched_users: 3, alerts: 2, digest_items: 3 });

    const [stored] = await ctx.database.db.select().from(events).where(eq(events.id, ev.id));
    expect(stored.rawBody).toBe(raw);
    expect(stored.payload.changes[0].provision.slug).toBe("ai-model-training-use-of-materials");

    const alerts = await ctx.database.db
      .select({ userId: notifications.userId, kind: notifications.kind, status: notifications.status })
      .from(notifications)
      .innerJoin(notificationEvents, eq(notificationEvents.notificationId, notifications.id))
      .where(eq(notificationEvents.eventId, ev.id));
    expect(alerts.map((a) => a.userId).sort()).toEqual([watcher.id, pro.id].sort());
    expect(alerts.every((a) => a.kind === "alert" && a.status === "pending")).toBe(true);

    const catalog = await call(ctx, "GET", "/v1/catalog/platforms?limit=200", { token: free.key });
    const entry = (catalog.json.items as { slug: string; documents: { slug: string }[] }[]).find((x) => x.slug === p);
    expect(entry?.documents.map((d) => d.slug)).toEqual([ev.document.slug]);
  });

  it("answers 202 accepted after one write; matching and queueing happen in the fan-out", async () => {
    const ev = freshEvent("01-anthropic-ai-training");
    const u = await createUser(ctx, { tier: "watcher" });
    await watch(ctx, u, { platform: ev.platform.slug });
    const res = await postEvent(ctx, ev, { fanOut: false });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ event_id: ev.id, duplicate: false, status: "accepted" });
    const path = `/v1/admin/events/${encodeURIComponent(ev.id)}`;
    const before = await call(ctx, "GET", path, { token: ctx.adminToken });
    expect(before.json).toMatchObject({ id: ev.id, fanned_out_at: null, matched_users: null, alerts: null });
    expect(await countWhere(notificationEvents, ev.id)).toBe(0);
    // a repeat before the fan-out ran is still a duplicate, and the fan-out does the event once
    expect((await postEvent(ctx, ev, { fanOut: false })).json).toEqual({ event_id: ev.id, duplicate: true });
    await fannedOut(ctx, ev.id);
    const after = await call(ctx, "GET", path, { token: ctx.adminToken });
    expect(after.json).toMatchObject({ matched_users: 1, alerts: 1, digest_items: 1 });
    expect(after.json.fanned_out_at).toEqual(expect.any(String));
    expect(await countWhere(notificationEvents, ev.id)).toBe(1);
  });

  it("answers a repeated id with duplicate: true and writes nothing more", async () => {
    const ev = freshEvent("05-anthropic-arbitration");
    const u = await createUser(ctx, { tier: "watcher" });
    await watch(ctx, u, { platform: ev.platform.slug });
    expect((await postEvent(ctx, ev)).status).toBe(202);
    const again = await postEvent(ctx, { ...ev, summary: "changed text, same id" });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ event_id: ev.id, duplicate: true });
    expect(await countWhere(digestItems, ev.id)).toBe(1);
    expect(await countWhere(notificationEvents, ev.id)).toBe(1);
  });

  it("folds events inside a user's grouping window into one alert per channel", async () => {
    const a = freshEvent("01-anthropic-ai-training");
    const b = freshEvent("05-anthropic-arbitration", { platformSlug: a.platform.slug });
    const u = await createUser(ctx, { tier: "watcher" });
    await watch(ctx, u, { platform: a.platform.slug });
    expect((await postEvent(ctx, a)).fanout?.alerts).toBe(1);
    ctx.clock.advance(60_000);
    expect((await postEvent(ctx, b)).fanout?.alerts).toBe(1);
    const mine = await ctx.database.db.select().from(notifications).where(eq(notifications.userId, u.id));
    expect(mine).toHaveLength(1);
    const links = await ctx.database.db
      .select()
      .from(notificationEvents)
      .where(eq(notificationEvents.notificationId, mine[0].id));
    expect(links.map((l) => l.eventId).sort()).toEqual([a.id, b.id].sort());
  });

  it("rewrites a catalog row only when the event changes it (no dead tuples from unchanged upserts)", async () => {
    const a = freshEvent("01-anthropic-ai-training");
    const platform = a.platform.slug;
    // xmin is the transaction that wrote the row's current version: it moves only on a real update
    const versions = async () =>
      rows<{ kind: string; v: string }>(
        ctx.database.db,
        sql`select 'platform' as kind, xmin::text as v from platforms where slug = ${platform}
            union all select 'document', xmin::text from documents where platform_slug = ${platform} and slug = ${a.document.slug}
            union all select 'provision:' || slug, xmin::text from provisions where platform_slug = ${platform} order by 1`,
      );
    expect((await postEvent(ctx, a)).status).toBe(202);
    const before = await versions();
    expect(before.length).toBeGreaterThanOrEqual(3);
    const same = freshEvent("01-anthropic-ai-training", { platformSlug: platform });
    expect((await postEvent(ctx, same)).status).toBe(202);
    expect(await versions()).toEqual(before);
    const renamed = freshEvent("01-anthropic-ai-training", { platformSlug: platform });
    renamed.platform = { ...renamed.platform, name: `${renamed.platform.name} (renamed)` };
    expect((await postEvent(ctx, renamed)).status).toBe(202);
    const after = await versions();
    expect(after.find((r) => r.kind === "platform")?.v).not.toBe(before.find((r) => r.kind === "platform")?.v);
    expect(after.filter((r) => r.kind !== "platform")).toEqual(before.filter((r) => r.kind !== "platform"));
  });
});
