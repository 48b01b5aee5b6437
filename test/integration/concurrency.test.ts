import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows } from "../../src/db/types";
import { call, createTestContext, createUser, postEvent, type TestContext, type TestUser, uniq, watch } from "../helpers/app";
import { onPostgres, openTestDatabase } from "../helpers/db";
import { isolatedEvent } from "../helpers/events";
import { count } from "../helpers/sql";

/**
 * Races only happen on PostgreSQL (PGlite is one connection, its transactions run one at a time):
 * there the posts run at once over a pool of 10. The same scenarios run everywhere one after the
 * other, so the expectations themselves are checked on PGlite too.
 */

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ database: await openTestDatabase({ max: 10 }) });
});
afterAll(() => ctx.close());

type Mode = "parallel" | "sequential";
async function run<T>(mode: Mode, jobs: (() => Promise<T>)[]): Promise<T[]> {
  if (mode === "parallel") return Promise.all(jobs.map((j) => j()));
  const out: T[] = [];
  for (const j of jobs) out.push(await j());
  return out;
}

async function userWithChannels(tier: "free" | "watcher" | "professional", extraWebhooks: number): Promise<TestUser> {
  const u = await createUser(ctx, { tier });
  for (let i = 0; i < extraWebhooks; i++) {
    const res = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "webhook", url: `https://hooks.example.com/${uniq("c")}` },
    });
    expect(res.status).toBe(201);
  }
  return u;
}

/** (user, channel) → how many alerts carry the event. */
async function alertLinks(eventId: string) {
  return rows<{ user_id: string; channel_id: string; n: number }>(
    ctx.database.db,
    sql`select n.user_id, n.channel_id, count(*)::int as n from notification_events ne
        join notifications n on n.id = ne.notification_id
        where ne.event_id = ${eventId} and n.kind = 'alert'
        group by n.user_id, n.channel_id order by n.user_id, n.channel_id`,
  );
}

async function activeChannels(userIds: string[]) {
  return rows<{ user_id: string; id: string }>(
    ctx.database.db,
    sql`select user_id, id from channels where status = 'active' and deleted_at is null
        and user_id in (${sql.join(
          userIds.map((id) => sql`${id}`),
          sql`, `,
        )}) order by user_id, id`,
  );
}

async function samePostedTenTimes(mode: Mode) {
  const { e } = isolatedEvent("05-anthropic-arbitration");
  const a = await userWithChannels("watcher", 1);
  const b = await userWithChannels("professional", 2);
  const free = await userWithChannels("free", 0);
  await watch(ctx, a, { platform: e.platform.slug });
  await watch(ctx, a, { platform: e.platform.slug, document: e.document.slug }); // two matches, still one alert
  await watch(ctx, b, { platform: e.platform.slug, document: e.document.slug, provision: "dispute-resolution-arbitration" });
  await watch(ctx, free, { platform: e.platform.slug });

  const results = await run(
    mode,
    Array.from({ length: 10 }, () => () => postEvent(ctx, e)),
  );
  const statuses = results.map((r) => r.status).sort();
  expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
  const first = results.find((r) => r.status === 202);
  expect(first?.json).toMatchObject({ event_id: e.id, duplicate: false });
  expect(first?.fanout).toEqual({ matched_users: 3, alerts: 5, digest_items: 3 });
  for (const r of results.filter((x) => x.status === 200)) expect(r.json).toEqual({ event_id: e.id, duplicate: true });

  expect(await count(ctx.database, sql`select 1 from events where id = ${e.id}`)).toBe(1);
  const items = await rows<{ user_id: string; n: number }>(
    ctx.database.db,
    sql`select user_id, count(*)::int as n from digest_items where event_id = ${e.id} group by user_id order by user_id`,
  );
  expect(items).toEqual([a.id, b.id, free.id].sort().map((user_id) => ({ user_id, n: 1 })));
  // one alert per (user, channel): every active channel of the watcher and the professional, nothing for free
  const expected = (await activeChannels([a.id, b.id])).map((c) => ({ user_id: c.user_id, channel_id: c.id, n: 1 }));
  expect(expected).toHaveLength(5);
  expect(await alertLinks(e.id)).toEqual(expected);
  expect(await count(ctx.database, sql`select 1 from notifications where user_id = ${free.id} and kind = 'alert'`)).toBe(0);
}

async function tenEventsForOneUser(mode: Mode) {
  const slug = uniq("burst");
  const u = await userWithChannels("watcher", 2);
  await watch(ctx, u, { platform: slug });
  const fixtures = [
    "01-anthropic-ai-training",
    "02-ideogram-training",
    "03-netflix-ai-prohibition",
    "04-windsurf-subprocessors",
    "05-anthropic-arbitration",
  ];
  const events = Array.from({ length: 10 }, (_, i) => isolatedEvent(fixtures[i % fixtures.length], { platformSlug: slug }).e);

  const results = await run(
    mode,
    events.map((e) => () => postEvent(ctx, e)),
  );
  for (const r of results) {
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    expect(r.fanout).toMatchObject({ matched_users: 1, alerts: 3, digest_items: 1 });
  }

  const channels = await activeChannels([u.id]);
  expect(channels).toHaveLength(3);
  for (const e of events) {
    expect(await alertLinks(e.id), e.id).toEqual(channels.map((c) => ({ user_id: u.id, channel_id: c.id, n: 1 })));
  }
  // inside one grouping window every event joined the same open alert of each channel
  const alerts = await rows<{ channel_id: string; events: number; open: boolean }>(
    ctx.database.db,
    sql`select n.channel_id, count(ne.event_id)::int as events, bool_and(n.group_open) as open
        from notifications n left join notification_events ne on ne.notification_id = n.id
        where n.user_id = ${u.id} and n.kind = 'alert' group by n.id, n.channel_id order by n.channel_id`,
  );
  expect(alerts).toEqual(channels.map((c) => ({ channel_id: c.id, events: 10, open: true })));
  expect(await count(ctx.database, sql`select 1 from digest_items where user_id = ${u.id}`)).toBe(10);
}

/** Tier limits hold when requests race: the user row is locked while a limit is checked. */
async function limitsUnderRace(mode: Mode) {
  const free = await createUser(ctx);
  const watches = await run(
    mode,
    Array.from(
      { length: 10 },
      () => () => call(ctx, "POST", "/v1/watchlist", { token: free.key, body: { platform: uniq("race") } }),
    ),
  );
  expect(watches.map((r) => r.status).sort()).toEqual([201, 403, 403, 403, 403, 403, 403, 403, 403, 403]);
  expect(await count(ctx.database, sql`select 1 from watches where user_id = ${free.id}`)).toBe(1);

  const watcher = await createUser(ctx, { tier: "watcher" });
  const channels = await run(
    mode,
    Array.from(
      { length: 10 },
      () => () =>
        call(ctx, "POST", "/v1/channels", {
          token: watcher.key,
          body: { type: "webhook", url: `https://hooks.example.com/${uniq("race")}` },
        }),
    ),
  );
  expect(channels.map((r) => r.status).sort()).toEqual([201, 201, 403, 403, 403, 403, 403, 403, 403, 403]);
  expect(await count(ctx.database, sql`select 1 from channels where user_id = ${watcher.id} and deleted_at is null`)).toBe(3);

  // the same identical watch ten times: one is created, the rest are conflicts
  const pro = await createUser(ctx, { tier: "professional" });
  const body = { platform: uniq("same"), categories: ["b", "a"] };
  const same = await run(
    mode,
    Array.from({ length: 10 }, () => () => call(ctx, "POST", "/v1/watchlist", { token: pro.key, body })),
  );
  expect(same.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
}

describe("ingest one after the other (every database)", () => {
  it("the same event posted 10 times: one row, one digest item per user, one alert per (user, channel)", async () => {
    await samePostedTenTimes("sequential");
  });
  it("10 different events for one watcher: each linked to exactly one open alert per channel", async () => {
    await tenEventsForOneUser("sequential");
  });
  it("tier limits and identical watches, one request after the other", async () => {
    await limitsUnderRace("sequential");
  });
});

describe.runIf(onPostgres)("ingest racing on PostgreSQL (pool of 10)", () => {
  it("10 concurrent posts of the same event: one row, one digest item per user, one alert per (user, channel)", async () => {
    for (let round = 0; round < 3; round++) await samePostedTenTimes("parallel");
  });
  it("10 concurrent different events for one watcher: each linked to exactly one open alert per channel", async () => {
    for (let round = 0; round < 3; round++) await tenEventsForOneUser("parallel");
  });
  it("10 concurrent creations cannot pass a tier limit together, nor create an identical watch twice", async () => {
    for (let round = 0; round < 3; round++) await limitsUnderRace("parallel");
  });
});
