import { readdirSync, readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { type Db, jsonRecords, rows } from "../../src/db/types";
import { newSigningSecret, sealSecret } from "../../src/lib/channel-secrets";
import type { Keys } from "../../src/lib/crypto";
import { type ChangeEvent, eventFacts } from "../../src/lib/event-schema";

/**
 * A digest-sized population, set-based (a few statements, no API calls), shaped like
 * bench/seed.ts: 80 % free, 17 % watcher, 3 % professional; free users watch one platform,
 * watchers 1–4, professionals 1–8, drawn from a Zipf distribution (s = 1.2) over 325 platforms;
 * every user has the account email channel, ~30 % of paying users a webhook as well (with a
 * sealed URL and signing secret, as the API stores them).
 */
export const PLATFORMS = 325;
const WATCH_ZIPF = 1.2;
/** Events favour big platforms only mildly: a platform's changes do not grow with its audience. */
const EVENT_ZIPF = 0.6;
const DAY_MS = 86_400_000;

export const platformSlug = (rank: number) => `platform-${String(rank).padStart(3, "0")}`;

/** A uniform number in [0, 1) from a text key: deterministic, so every seed is the same. */
const u01 = (key: string) => `(('x' || substr(md5(${key}), 1, 8))::bit(32)::bigint / 4294967296.0)`;

/** Ranks 1..n drawn by inverse CDF from Zipf(s), deterministic in `seed`. */
function zipfRanks(count: number, n: number, s: number, seed: number): number[] {
  const w = Array.from({ length: n }, (_, k) => 1 / (k + 1) ** s);
  const total = w.reduce((a, b) => a + b, 0);
  const cdf: number[] = [];
  w.reduce((acc, x, k) => (cdf[k] = acc + x / total), 0);
  let x = seed >>> 0;
  const rand = () => {
    // xorshift32: reproducible and good enough to spread events
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => {
    const r = rand();
    const k = cdf.findIndex((c) => r < c);
    return (k < 0 ? n - 1 : k) + 1;
  });
}

export interface Population {
  users: Record<string, number>;
  watches: number;
  channels: Record<string, number>;
}

/** Users due for their digest at `now` (period: the last 7 days), their watches and channels. */
export async function seedPopulation(db: Db, keys: Keys, users: number, now: Date): Promise<Population> {
  const at = sql`${now.toISOString()}::timestamptz`;
  await db.execute(sql`create table bench_platform as
    select k as rank, 'platform-' || lpad(k::text, 3, '0') as slug,
           coalesce(sum(w) over (order by k rows between unbounded preceding and 1 preceding), 0) / sum(w) over () as lo
    from (select k, 1.0 / power(k, ${sql.raw(String(WATCH_ZIPF))}) as w
          from generate_series(1, ${sql.raw(String(PLATFORMS))}) k) z`);
  await db.execute(sql`insert into platforms (slug, name, created_at, updated_at)
    select slug, initcap(replace(slug, '-', ' ')), ${at}, ${at} from bench_platform`);

  await db.execute(sql`insert into users (id, email, tier, next_digest_at, digest_period_start, created_at, updated_at)
    select 'usr_' || md5('digest-user-' || g), 'digest-' || g || '@example.com',
           case when r < 0.80 then 'free' when r < 0.97 then 'watcher' else 'professional' end,
           ${at} - interval '1 minute', ${at} - interval '7 days', ${at} - interval '30 days', ${at} - interval '30 days'
    from (select g, ${sql.raw(u01(`'tier' || g`))} as r from generate_series(1, ${users}) g) s`);

  await db.execute(sql`with bounds as (select array_agg(lo order by rank) as los from bench_platform),
    slots as (
      select u.id, u.tier, s.slot,
             width_bucket(${sql.raw(u01(`u.id || ':' || s.slot`))}, (select los from bounds)) as rank,
             ${sql.raw(u01(`'f' || u.id || s.slot`))} as f
      from users u
      cross join lateral generate_series(1, case u.tier when 'free' then 1
        when 'watcher' then 1 + floor(${sql.raw(u01(`'n' || u.id`))} * 4)::int
        else 1 + floor(${sql.raw(u01(`'n' || u.id`))} * 8)::int end) s(slot)
    ),
    shaped as (
      select distinct on (id, rank) id, rank,
             case when tier <> 'free' and f >= 0.75 then 'medium' end as min_severity
      from slots order by id, rank, slot
    )
    insert into watches (user_id, platform, min_severity, min_severity_rank, fingerprint, created_at)
    select s.id, p.slug, s.min_severity, case when s.min_severity is null then 0 else 2 end,
           md5(concat_ws('|', p.slug, s.min_severity)), ${at} - interval '30 days'
    from shaped s join bench_platform p on p.rank = s.rank`);

  await db.execute(sql`insert into channels (user_id, type, target, fingerprint, status, is_account_email, verified_at, created_at, updated_at)
    select id, 'email', email, md5('email:' || lower(email)), 'active', true, ${at}, ${at}, ${at} from users`);
  const hooked = await rows<{ id: string }>(
    db,
    sql`select id from users where tier <> 'free' and ${sql.raw(u01(`'c2' || id`))} < 0.3 order by id`,
  );
  const sealed = await Promise.all(
    hooked.map(async ({ id }) => {
      // never called: the bench renders what would be sent and stops there
      const url = `http://127.0.0.1:9/hooks/${id}`;
      return { user_id: id, target: url, secret: await sealSecret(keys, { url, signing_secret: newSigningSecret() }) };
    }),
  );
  await db.execute(sql`insert into channels (user_id, type, target, fingerprint, secret_enc, status, verified_at, created_at, updated_at)
    select v.user_id, 'webhook', v.target, md5('webhook:' || v.target), v.secret, 'active', ${at}, ${at}, ${at}
    from ${jsonRecords(sealed, "v(user_id text, target text, secret text)")}`);

  const tiers = await rows<{ tier: string; n: number }>(db, sql`select tier, count(*)::int as n from users group by tier`);
  const chs = await rows<{ type: string; n: number }>(db, sql`select type, count(*)::int as n from channels group by type`);
  const [{ w }] = await rows<{ w: number }>(db, sql`select count(*)::int as w from watches`);
  return {
    users: Object.fromEntries(tiers.map((t) => [t.tier, t.n])),
    watches: w,
    channels: Object.fromEntries(chs.map((c) => [c.type, c.n])),
  };
}

/**
 * `count` events received evenly over the 7 days before `now` (the fixture events with fresh ids,
 * each on a platform drawn from a mild Zipf), and the digest items the fan-out would have left
 * for them: one per (user, event) whose watch matches the platform and the severity floor.
 */
export async function seedWeek(db: Db, count: number, now: Date): Promise<{ events: number; items: number }> {
  const dir = new URL("../../test/fixtures/events/", import.meta.url);
  const templates = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(new URL(f, dir), "utf8")) as ChangeEvent);
  const ranks = zipfRanks(count, PLATFORMS, EVENT_ZIPF, 20260504);
  const records = ranks.map((rank, k) => {
    const t = templates[k % templates.length];
    const receivedAt = new Date(now.getTime() - 7 * DAY_MS + ((k + 0.5) / count) * 7 * DAY_MS);
    const e: ChangeEvent = {
      ...t,
      id: `evt_digest_${String(k).padStart(4, "0")}`,
      occurred_at: new Date(receivedAt.getTime() - 3_600_000).toISOString(),
      platform: { slug: platformSlug(rank), name: `Platform ${String(rank).padStart(3, "0")}` },
    };
    const f = eventFacts(e);
    const raw = JSON.stringify(e);
    return {
      id: e.id,
      type: e.type,
      occurred_at: e.occurred_at,
      platform_slug: e.platform.slug,
      document_slug: e.document.slug,
      severity: e.severity,
      severity_rank: f.severityRank,
      summary: e.summary,
      categories: f.categories,
      provision_slugs: f.provisionSlugs,
      payload: e,
      raw_body: raw,
      received_at: receivedAt.toISOString(),
    };
  });
  await db.execute(sql`insert into events (id, type, occurred_at, platform_slug, document_slug, severity, severity_rank, summary,
      categories, provision_slugs, payload, raw_body, received_at)
    select v.id, v.type, v.occurred_at, v.platform_slug, v.document_slug, v.severity, v.severity_rank, v.summary,
           array(select jsonb_array_elements_text(v.categories)), array(select jsonb_array_elements_text(v.provision_slugs)),
           v.payload, v.raw_body, v.received_at
    from ${jsonRecords(
      records,
      "v(id text, type text, occurred_at timestamptz, platform_slug text, document_slug text, severity text, severity_rank int, summary text, categories jsonb, provision_slugs jsonb, payload jsonb, raw_body text, received_at timestamptz)",
    )}`);
  const [{ n }] = await rows<{ n: number }>(
    db,
    sql`with ins as (
      insert into digest_items (user_id, event_id, created_at)
      select w.user_id, e.id, e.received_at
      from events e join watches w on w.platform = e.platform_slug and not w.paused
      where w.min_severity_rank = 0 or w.min_severity_rank <= e.severity_rank
      group by w.user_id, e.id, e.received_at
      order by w.user_id
      returning 1)
    select count(*)::int as n from ins`,
  );
  return { events: records.length, items: n };
}
