import { sql } from "drizzle-orm";
import { type Db, rows } from "../src/db/types";

export const PLATFORMS = 325;
/** Zipf exponent: with the watchers' extra platforms, the top platform ends up with ~30 % of users. */
const ZIPF_S = 1.2;
/** The document most document-level watches name (the bench event's document). */
export const BENCH_DOCUMENT = "claudeai-terms-of-service";

export const platformSlug = (rank: number) => `platform-${String(rank).padStart(3, "0")}`;

/** A uniform number in [0, 1) from a text key: deterministic, so every seed is the same. */
const u01 = (key: string) => `(('x' || substr(md5(${key}), 1, 8))::bit(32)::bigint / 4294967296.0)`;

export interface SeedStats {
  users: Record<string, number>;
  watches: number;
  channels: number;
  topPlatform: string;
  topShare: number;
}

/**
 * Seeds users, watches and channels with a few set-based statements (no API calls):
 * 80 % free, 17 % watcher, 3 % professional; every user has the account email channel (as
 * createUser makes it), ~30 % of paying users a webhook too. Free users watch one platform,
 * watchers 1–4, professionals 1–8, drawn from a Zipf distribution over 325 platforms; some
 * paying users' watches carry a min_severity or a document.
 */
export async function seed(db: Db, users: number, now: Date, opts: { analyze?: boolean } = {}): Promise<SeedStats> {
  const at = sql`${now.toISOString()}::timestamptz`;
  await db.execute(sql`create table bench_platform as
    select k as rank, ${sql.raw(`'platform-' || lpad(k::text, 3, '0')`)} as slug,
           coalesce(sum(w) over (order by k rows between unbounded preceding and 1 preceding), 0) as lo
    from (select k, (1.0 / power(k, ${sql.raw(String(ZIPF_S))})) as w from generate_series(1, ${sql.raw(String(PLATFORMS))}) k) z`);
  await db.execute(sql`update bench_platform set lo = lo / (select sum(1.0 / power(k, ${sql.raw(String(ZIPF_S))}))
    from generate_series(1, ${sql.raw(String(PLATFORMS))}) k)`);
  await db.execute(sql`insert into platforms (slug, name, created_at, updated_at)
    select slug, initcap(replace(slug, '-', ' ')), ${at}, ${at} from bench_platform`);

  await db.execute(sql`insert into users (id, email, tier, digest_period_start, created_at, updated_at)
    select 'usr_' || md5('bench-user-' || g), 'bench-' || g || '@example.com',
           case when r < 0.80 then 'free' when r < 0.97 then 'watcher' else 'professional' end,
           ${at}, ${at}, ${at}
    from (select g, ${sql.raw(u01(`'tier' || g`))} as r from generate_series(1, ${users}) g) s`);

  // One row per (user, slot); the slot's platform is drawn by inverse CDF (width_bucket is a binary search).
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
             case when tier <> 'free' and f < 0.12 then ${BENCH_DOCUMENT}
                  when tier <> 'free' and f < 0.16 then 'privacy-policy' end as document,
             case when tier <> 'free' and f >= 0.75 then 'medium' end as min_severity
      from slots order by id, rank, slot
    )
    insert into watches (user_id, platform, document, min_severity, min_severity_rank, fingerprint, created_at)
    select s.id, p.slug, s.document, s.min_severity, case when s.min_severity is null then 0 else 2 end,
           md5(concat_ws('|', p.slug, s.document, s.min_severity)), ${at}
    from shaped s join bench_platform p on p.rank = s.rank`);

  await db.execute(sql`insert into channels (user_id, type, target, fingerprint, status, is_account_email, verified_at, created_at, updated_at)
    select id, 'email', email, md5('email:' || lower(email)), 'active', true, ${at}, ${at}, ${at} from users`);
  await db.execute(sql`insert into channels (user_id, type, target, fingerprint, status, verified_at, created_at, updated_at)
    select id, 'webhook', 'https://hooks.example.com/' || substr(id, 5, 8), md5('webhook:' || id), 'active', ${at}, ${at}, ${at}
    from users where tier <> 'free' and ${sql.raw(u01(`'c2' || id`))} < 0.3`);
  // Hint bits and statistics now, so the first measured event does not pay for them. Without
  // `analyze` (--stats none): hint bits only, no column statistics — a database whose autovacuum
  // is off and which nobody analysed, as the fan-out must also plan well on.
  await db.execute(opts.analyze === false ? sql`vacuum` : sql`vacuum analyze`);

  const tiers = await rows<{ tier: string; n: number }>(db, sql`select tier, count(*)::int as n from users group by tier`);
  const [{ w, c }] = await rows<{ w: number; c: number }>(
    db,
    sql`select (select count(*)::int from watches) as w, (select count(*)::int from channels) as c`,
  );
  const top = platformSlug(1);
  const [{ n: topUsers }] = await rows<{ n: number }>(
    db,
    sql`select count(distinct user_id)::int as n from watches where platform = ${top}`,
  );
  return {
    users: Object.fromEntries(tiers.map((t) => [t.tier, t.n])),
    watches: w,
    channels: c,
    topPlatform: top,
    topShare: topUsers / users,
  };
}
