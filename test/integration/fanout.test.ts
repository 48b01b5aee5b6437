// Fan-out timing: a critical event pulls a held alert forward; the race catch-up joins an alert opened concurrently.
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows } from "../../src/db/types";
import { fanOutPending } from "../../src/ingest/fanout-worker";
import { createTestContext, createUser, postEvent, type TestContext, watch } from "../helpers/app";
import { fileDatabaseUrl, onPostgres } from "../helpers/db";
import { freshEvent } from "../helpers/events";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const alertOf = async (userId: string) => {
  const [n] = await rows<{ id: string; channel_id: string; next_attempt_at: string }>(
    ctx.database.db,
    sql`select id, channel_id, next_attempt_at::text from notifications where user_id = ${userId} and kind = 'alert' and group_open`,
  );
  return n;
};
const hold = (id: string, until: Date) =>
  ctx.database.db.execute(sql`update notifications set next_attempt_at = ${until.toISOString()}::timestamptz where id = ${id}`);

describe("fan-out timing of joined alerts", () => {
  it("a critical event pulls a held alert forward to now + the window; others leave it", async () => {
    const a = freshEvent("01-anthropic-ai-training");
    const u = await createUser(ctx, { tier: "watcher" });
    await watch(ctx, u, { platform: a.platform.slug });
    expect((await postEvent(ctx, a)).status).toBe(202);
    const alert = await alertOf(u.id);
    const later = new Date(ctx.clock.now().getTime() + 8 * 3600_000); // quiet hours held it
    await hold(alert.id, later);

    ctx.clock.advance(60_000);
    const high = freshEvent("05-anthropic-arbitration", { platformSlug: a.platform.slug, severity: "high" });
    expect((await postEvent(ctx, high)).fanout?.alerts).toBe(1);
    expect(new Date((await alertOf(u.id)).next_attempt_at).getTime()).toBe(later.getTime());

    ctx.clock.advance(60_000);
    const crit = freshEvent("05-anthropic-arbitration", { platformSlug: a.platform.slug, severity: "critical" });
    expect((await postEvent(ctx, crit)).fanout?.alerts).toBe(1);
    const pulled = await alertOf(u.id);
    expect(pulled.id).toBe(alert.id);
    expect(new Date(pulled.next_attempt_at).getTime()).toBe(ctx.clock.now().getTime() + 15 * 60_000);
  });

  it.runIf(onPostgres)("joins an alert a concurrent ingest opened after its snapshot", async () => {
    const a = freshEvent("01-anthropic-ai-training");
    const u = await createUser(ctx, { tier: "watcher" });
    await watch(ctx, u, { platform: a.platform.slug });
    const [{ id: channelId }] = await rows<{ id: string }>(ctx.database.db, sql`select id from channels where user_id = ${u.id}`);
    const other = postgres(await fileDatabaseUrl(), { max: 1, onnotice: () => {} });
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let otherId = "";
    const tx = other.begin(async (t) => {
      const [r] =
        await t`insert into notifications (user_id, channel_id, kind, status, group_open, next_attempt_at, created_at, updated_at)
        values (${u.id}, ${channelId}, 'alert', 'pending', true, now() + interval '15 minutes', now(), now()) returning id`;
      otherId = r.id;
      await held;
    });
    try {
      while (!otherId) await new Promise((r) => setTimeout(r, 20));
      const posting = postEvent(ctx, a); // its INSERT waits on the uncommitted open alert
      await new Promise((r) => setTimeout(r, 300));
      release();
      await tx;
      expect((await posting).fanout).toMatchObject({ matched_users: 1, alerts: 1 });
      const links = await rows<{ notification_id: string }>(
        ctx.database.db,
        sql`select notification_id from notification_events where event_id = ${a.id}`,
      );
      expect(links.map((l) => l.notification_id)).toEqual([otherId]);
    } finally {
      release();
      await other.end();
    }
  });
});

describe("fan-out batches", () => {
  it("a time budget cuts a batch after its first event; the rest stay pending, in arrival order", async () => {
    const a = freshEvent("01-anthropic-ai-training");
    const evs = [a, ...[1, 2].map(() => freshEvent("05-anthropic-arbitration", { platformSlug: a.platform.slug }))];
    const u = await createUser(ctx, { tier: "watcher" });
    await watch(ctx, u, { platform: evs[0].platform.slug });
    for (const e of evs) {
      expect((await postEvent(ctx, e, { fanOut: false })).status).toBe(202);
      ctx.clock.advance(1_000);
    }
    const first = await fanOutPending(ctx.database.db, ctx.clock.now(), { wait: true, budgetMs: 0 });
    expect(first).toMatchObject({ events: 1, eventIds: [evs[0].id], more: true, digestItems: 1 });
    const rest = await fanOutPending(ctx.database.db, ctx.clock.now(), { wait: true });
    expect(rest).toMatchObject({ events: 2, eventIds: [evs[1].id, evs[2].id], more: false });
    const [row] = await rows<{ matched_users: number; digest_items: number }>(
      ctx.database.db,
      sql`select matched_users, digest_items from events where id = ${evs[2].id} and fanned_out_at is not null`,
    );
    expect(row).toEqual({ matched_users: 1, digest_items: 1 });
  });
});

describe("digest items without a foreign key to users", () => {
  it("deleting users deletes their digest items (statement trigger), and only theirs", async () => {
    const a = freshEvent("01-anthropic-ai-training");
    const gone = await createUser(ctx, { tier: "free" });
    const other = await createUser(ctx, { tier: "free" });
    const third = await createUser(ctx, { tier: "free" });
    for (const u of [gone, other, third]) await watch(ctx, u, { platform: a.platform.slug });
    expect((await postEvent(ctx, a)).fanout?.digest_items).toBe(3);
    const items = async (id: string) =>
      Number(
        (await rows<{ n: string }>(ctx.database.db, sql`select count(*) as n from digest_items where user_id = ${id}`))[0].n,
      );
    expect(await items(gone.id)).toBe(1);

    await ctx.database.db.execute(sql`delete from users where id in (${gone.id}, ${third.id})`);
    expect(await items(gone.id)).toBe(0);
    expect(await items(third.id)).toBe(0);
    expect(await items(other.id)).toBe(1);
  });
});

describe("notifications without foreign keys to users and channels", () => {
  it("deleting a user or a channel deletes its messages (statement triggers), and only those", async () => {
    const a = freshEvent("01-anthropic-ai-training");
    const [gone, other, third] = [
      await createUser(ctx, { tier: "watcher" }),
      await createUser(ctx, { tier: "watcher" }),
      await createUser(ctx, { tier: "watcher" }),
    ];
    for (const u of [gone, other, third]) await watch(ctx, u, { platform: a.platform.slug });
    expect((await postEvent(ctx, a)).fanout?.alerts).toBe(3);
    const messages = async (where: ReturnType<typeof sql>) =>
      Number((await rows<{ n: string }>(ctx.database.db, sql`select count(*) as n from notifications where ${where}`))[0].n);
    const [thirdChannel] = await rows<{ channel_id: string }>(
      ctx.database.db,
      sql`select channel_id from notifications where user_id = ${third.id}`,
    );
    expect(await messages(sql`user_id = ${gone.id}`)).toBe(1);

    await ctx.database.db.execute(sql`delete from users where id = ${gone.id}`);
    await ctx.database.db.execute(sql`delete from channels where id = ${thirdChannel.channel_id}`);
    expect(await messages(sql`user_id = ${gone.id}`)).toBe(0);
    expect(await messages(sql`channel_id = ${thirdChannel.channel_id}`)).toBe(0);
    expect(await messages(sql`user_id = ${other.id}`)).toBe(1);
  });
});
