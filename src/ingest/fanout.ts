import { type SQL, sql } from "drizzle-orm";
import { type Db, rows } from "../db/types";
import { ALERT_TIERS, TRIAL_TIER } from "../lib/tiers";
import type { eventFacts } from "./event-schema";

export interface FanoutInput {
  eventId: string;
  platform: string;
  document: string;
  facts: ReturnType<typeof eventFacts>;
  now: Date;
}

export interface FanoutResult {
  matchedUsers: number;
  alerts: number;
  digestItems: number;
}

/** The tier in force, in SQL (same rule as lib/tiers `effectiveTier`). */
const effectiveTierSql = (now: SQL) =>
  sql`(case when u.tier = 'free' and u.trial_ends_at > ${now} then ${TRIAL_TIER} else u.tier end)`;

/** Users who get same-day alerts now. */
const alertEligible = (now: SQL) =>
  sql`not u.alerts_off and ${effectiveTierSql(now)} in (${sql.join(
    ALERT_TIERS.map((t) => sql`${t}`),
    sql`, `,
  )})`;

/**
 * Matches an event to every watchlist and writes the results, set-based, in the caller's
 * transaction: no statement here runs per user.
 *
 * 1. digest_items: one row per matched user (the match itself is this INSERT … SELECT).
 * 2. Events join a user's alert that is still collecting (its grouping window open), per channel.
 * 3. Channels without such an alert get a new one, due when its window closes.
 * 4. Step 2 again, for alerts a concurrent ingest opened between 2 and 3.
 *
 * Unique indexes keep it true under races: one digest item per (user, event), one open alert
 * per channel, one link per (alert, event).
 */
export async function fanOut(db: Db, input: FanoutInput): Promise<FanoutResult> {
  const { eventId, platform, document, facts } = input;
  // postgres-js (through drizzle) will not serialize a Date inside raw SQL: pass ISO text.
  const now = sql`${input.now.toISOString()}::timestamptz`;
  const slugs = sql`${sql.param(facts.provisionSlugs)}::text[]`;
  const ranks = sql`${sql.param(facts.provisionRanks)}::int[]`;
  const cats = sql`${sql.param(facts.categories)}::text[]`;

  const [{ n: matchedUsers }] = await rows<{ n: number }>(
    db,
    sql`with ins as (
      insert into digest_items (user_id, event_id, created_at)
      select distinct w.user_id, ${eventId}, ${now}
      from watches w
      where not w.paused
        and w.platform in (${platform}, '*')
        and (w.document is null or w.document = ${document})
        and (w.provision is null or w.provision = any(${slugs}))
        and (w.min_severity_rank = 0 or w.min_severity_rank <= case
              when w.provision is null then ${facts.severityRank}::int
              else (select max(p.rank) from unnest(${slugs}, ${ranks}) as p(slug, rank) where p.slug = w.provision)
            end)
        and (w.categories is null or w.categories && ${cats})
      on conflict do nothing
      returning 1
    ) select count(*)::int as n from ins`,
  );

  // FOR SHARE: the dispatcher claims with FOR UPDATE SKIP LOCKED, so it cannot close an alert
  // this event is joining until we commit; if it already closed it, the row no longer qualifies.
  const joinOpenAlerts = sql`insert into notification_events (notification_id, event_id)
    select n.id, ${eventId}
    from notifications n
    join digest_items d on d.user_id = n.user_id and d.event_id = ${eventId}
    join users u on u.id = n.user_id
    where n.kind = 'alert' and n.group_open and n.status = 'pending' and ${alertEligible(now)}
    for share of n
    on conflict do nothing`;
  await db.execute(joinOpenAlerts);

  await db.execute(sql`with opened as (
      insert into notifications (user_id, channel_id, kind, status, group_open, next_attempt_at, created_at, updated_at)
      select c.user_id, c.id, 'alert', 'pending', true,
             ${now} + make_interval(mins => u.alert_window_minutes), ${now}, ${now}
      from digest_items d
      join users u on u.id = d.user_id
      join channels c on c.user_id = d.user_id and c.status = 'active' and c.deleted_at is null
      where d.event_id = ${eventId} and ${alertEligible(now)}
        and not exists (
          select 1 from notification_events ne join notifications n2 on n2.id = ne.notification_id
          where ne.event_id = ${eventId} and n2.channel_id = c.id)
      on conflict (channel_id) where kind = 'alert' and group_open do nothing
      returning id
    )
    insert into notification_events (notification_id, event_id) select id, ${eventId} from opened`);

  await db.execute(joinOpenAlerts);

  const [{ n: alerts }] = await rows<{ n: number }>(
    db,
    sql`select count(*)::int as n from notification_events where event_id = ${eventId}`,
  );
  return { matchedUsers, alerts, digestItems: matchedUsers };
}
