import { sql } from "drizzle-orm";
import { applyLimitPlans, type LimitChanges, type LimitPlan, loadLimitState } from "../db/queries/limits";
import type { ChannelRow } from "../db/schema/channels";
import type { WatchRow } from "../db/schema/watches";
import { instant } from "../db/sql";
import { type Database, jsonRecords, rows, textArray } from "../db/types";
import type { Logger } from "../lib/log";
import type { ChannelRef, TrialEndingNotice, WatchRef } from "../lib/messages";
import { effectiveTier, type Tier, TRIAL_TIER, type TrialTier } from "../lib/tiers";
import { planTierLimits } from "../services/limits";

/** The trial-ending email goes out this long before the trial ends. */
export const TRIAL_NOTICE_DAYS = 3;
/** A notice lists at most this many watches (and channels); it counts the rest. */
const NOTICE_LIST_LIMIT = 50;

const asDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));
/** The notice's dedupe key; the unique index `notifications_notice_key` makes it send-once. */
const trialNoticeKey = (trialEndsAt: Date) => `trial_ending:${trialEndsAt.toISOString()}`;
/** The same key in SQL (to_char spells an instant exactly as Date#toISOString does). */
const trialNoticeKeySql = sql`'trial_ending:' || to_char(u.trial_ends_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

interface ExpireResult extends LimitChanges {
  users: number;
}

/**
 * Ends the trials that are over at `now`: each user's own tier applies again at once, so their
 * next event is already matched as that tier (paused watches match nothing, lost alerts are
 * suppressed). A chunk of users per transaction, rows locked with SKIP LOCKED (racing replicas
 * and an operator PATCH holding a user just take turns); plans are computed in memory and written
 * set-based for the whole chunk. A user is processed once per trial end: `trial_processed_at`
 * is set, and `trial_ends_at` stays as history.
 *
 * @example await expireTrials({ database, now: clock.now() })
 */
async function expireTrials(o: { database: Database; now: Date; chunkSize?: number; log?: Logger }): Promise<ExpireResult> {
  const total: ExpireResult = {
    users: 0,
    watchesPaused: 0,
    watchesResumed: 0,
    channelsPaused: 0,
    channelsResumed: 0,
    alertsSuppressed: 0,
  };
  const chunkSize = o.chunkSize ?? 500;
  for (;;) {
    const done = await o.database.db.transaction(async (tx) => {
      const due = await rows<{ id: string; tier: Tier; trial_ends_at: Date | string; trial_tier: TrialTier | null }>(
        tx,
        sql`select id, tier, trial_ends_at, trial_tier from users
          where trial_ends_at <= ${instant(o.now)} and (trial_processed_at is null or trial_processed_at < trial_ends_at)
          order by trial_ends_at, id limit ${chunkSize} for update skip locked`,
      );
      if (due.length === 0) return null;
      const state = await loadLimitState(
        tx,
        due.map((u) => u.id),
      );
      const plans = due.map((u) => {
        const s = state.get(u.id);
        const tier = effectiveTier({ tier: u.tier, trialEndsAt: asDate(u.trial_ends_at), trialTier: u.trial_tier }, o.now);
        return planTierLimits(u.id, tier, s?.watches ?? [], s?.channels ?? []);
      });
      const changes = await applyLimitPlans(tx, plans, o.now);
      await tx.execute(sql`update users set trial_processed_at = ${instant(o.now)}, updated_at = ${instant(o.now)}
        where id = any(${textArray(due.map((u) => u.id))})`);
      return { users: due.length, ...changes };
    });
    if (!done) break;
    for (const k of Object.keys(total) as (keyof ExpireResult)[]) total[k] += done[k];
  }
  if (total.users > 0) o.log?.info("trials ended", { ...total, now: o.now.toISOString() });
  return total;
}

const watchRef = (w: WatchRow): WatchRef => ({
  platform: w.platform,
  document: w.document,
  provision: w.provision,
  min_severity: w.minSeverity,
  categories: w.categories,
});
const channelRef = (c: ChannelRow): ChannelRef => ({ type: c.type, target: c.target });

/** What the trial-ending email says, from the plan of the user's own tier (nothing is written). */
function trialEndingNotice(trialEndsAt: Date, trialTier: TrialTier, plan: LimitPlan): TrialEndingNotice {
  return {
    notice: "trial_ending",
    trial_ends_at: trialEndsAt.toISOString(),
    trial_tier: trialTier,
    tier_after: plan.tier,
    watches: plan.pauseWatches.slice(0, NOTICE_LIST_LIMIT).map(watchRef),
    more_watches: Math.max(0, plan.pauseWatches.length - NOTICE_LIST_LIMIT),
    channels: plan.pauseChannels.slice(0, NOTICE_LIST_LIMIT).map(channelRef),
    more_channels: Math.max(0, plan.pauseChannels.length - NOTICE_LIST_LIMIT),
    alerts_end: plan.alertsLost,
  };
}

/**
 * Queues the trial-ending email for trials ending within TRIAL_NOTICE_DAYS of `now`: one notice
 * per user and trial end, to one email channel (the account email unless it is not active),
 * saying what the user's own tier will pause. Insert-first under a unique index, so running
 * twice, or on two replicas, queues it once. Users without an active email channel get none.
 */
async function queueTrialNotices(o: { database: Database; now: Date; chunkSize?: number }): Promise<number> {
  const { db } = o.database;
  const chunkSize = o.chunkSize ?? 500;
  const until = new Date(o.now.getTime() + TRIAL_NOTICE_DAYS * 86_400_000);
  let queued = 0;
  for (;;) {
    const due = await rows<{
      id: string;
      tier: Tier;
      trial_ends_at: Date | string;
      trial_tier: TrialTier | null;
      channel_id: string;
    }>(
      db,
      sql`select u.id, u.tier, u.trial_ends_at, u.trial_tier, ch.id as channel_id
        from users u
        join lateral (
          select c.id from channels c
          where c.user_id = u.id and c.type = 'email' and c.status = 'active' and c.deleted_at is null
          order by c.is_account_email desc, c.created_at, c.id limit 1
        ) ch on true
        where u.tier = 'free' and u.trial_ends_at > ${instant(o.now)} and u.trial_ends_at <= ${instant(until)}
          and not exists (select 1 from notifications n
                          where n.user_id = u.id and n.kind = 'notice' and (n.payload->>'key') = ${trialNoticeKeySql})
        order by u.trial_ends_at, u.id limit ${chunkSize}`,
    );
    if (due.length === 0) break;
    const state = await loadLimitState(
      db,
      due.map((u) => u.id),
    );
    const records = due.map((u) => {
      const ends = asDate(u.trial_ends_at);
      const s = state.get(u.id);
      const plan = planTierLimits(u.id, u.tier, s?.watches ?? [], s?.channels ?? []);
      return {
        user_id: u.id,
        channel_id: u.channel_id,
        payload: { key: trialNoticeKey(ends), ...trialEndingNotice(ends, u.trial_tier ?? TRIAL_TIER, plan) },
      };
    });
    const inserted = await rows<{ id: string }>(
      db,
      sql`insert into notifications (user_id, channel_id, kind, status, next_attempt_at, payload, created_at, updated_at)
        select v.user_id, v.channel_id, 'notice', 'pending', ${instant(o.now)}, v.payload, ${instant(o.now)}, ${instant(o.now)}
        from ${jsonRecords(records, "v(user_id text, channel_id text, payload jsonb)")}
        on conflict do nothing
        returning id`,
    );
    queued += inserted.length;
    // Every candidate now has its notice (ours, or a racing job's), so the next round finds
    // others; a round that queued nothing stops here rather than spin (the next tick retries).
    if (inserted.length === 0) break;
  }
  return queued;
}

interface TrialJobResult {
  notices: number;
  expired: ExpireResult;
}

/** The every-minute trial job: warn the trials ending soon, end those that are over. */
export async function runTrialJob(o: { database: Database; now: Date; log?: Logger }): Promise<TrialJobResult> {
  const notices = await queueTrialNotices(o);
  const expired = await expireTrials(o);
  return { notices, expired };
}
