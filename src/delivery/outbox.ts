import { sql } from "drizzle-orm";
import { type Db, jsonRecords, rows } from "../db/types";

/** A claimed notification: `attempts` (after the claim) fences the completion against a re-claim. */
export interface Claimed {
  id: string;
  user_id: string;
  channel_id: string;
  kind: "alert" | "digest" | "test";
  attempts: number;
  digest_id: string | null;
  payload: unknown;
  created_at: Date | string;
}

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/**
 * Alerts due inside their user's quiet hours wait until the quiet period ends, unless they
 * carry a critical event. They stay open, so what arrives meanwhile joins the same alert.
 * The local-time arithmetic is PostgreSQL's (`AT TIME ZONE`), so DST is handled by tzdata.
 */
export async function holdQuietAlerts(db: Db, now: Date): Promise<number> {
  const n = ts(now);
  const held = await rows<{ id: string }>(
    db,
    sql`with local as (
      select u.id as user_id, u.timezone,
             (${n} at time zone u.timezone) as at_local,
             u.quiet_start::time as qs, u.quiet_end::time as qe
      from users u
      where u.quiet_start is not null and u.quiet_end is not null
        and exists (select 1 from notifications x where x.user_id = u.id and x.kind = 'alert'
                    and x.status = 'pending' and x.next_attempt_at <= ${n})
    ), quiet as (
      select user_id,
             ((case when qe > at_local::time then at_local::date else at_local::date + 1 end) + qe)
               at time zone timezone as quiet_end
      from local
      where case when qs < qe then at_local::time >= qs and at_local::time < qe
                 else at_local::time >= qs or at_local::time < qe end
    )
    update notifications n set next_attempt_at = q.quiet_end, updated_at = ${n}
    from quiet q
    where n.user_id = q.user_id and n.kind = 'alert' and n.status = 'pending' and n.next_attempt_at <= ${n}
      and not exists (select 1 from notification_events ne join events e on e.id = ne.event_id
                      where ne.notification_id = n.id and e.severity = 'critical')
    returning n.id`,
  );
  return held.length;
}

/**
 * Claims due notifications under a lease. SKIP LOCKED lets several dispatchers (threads or
 * replicas) take disjoint rows; an alert being joined by an ingest (FOR SHARE) is skipped until
 * that ingest commits. The lease is `next_attempt_at`: if this worker dies, the row simply comes
 * due again when the lease runs out, and the next claim bumps `attempts`, fencing us out.
 */
export async function claimDue(db: Db, now: Date, limit: number, leaseMs: number): Promise<Claimed[]> {
  const lease = new Date(now.getTime() + leaseMs);
  return rows<Claimed>(
    db,
    sql`update notifications n
      set status = 'sending', group_open = false, attempts = n.attempts + 1,
          lease_until = ${ts(lease)}, next_attempt_at = ${ts(lease)}, updated_at = ${ts(now)}
      where n.id in (
        select id from notifications
        where status in ('pending', 'sending') and next_attempt_at <= ${ts(now)}
        order by next_attempt_at
        limit ${limit}
        for update skip locked)
      returning n.id, n.user_id, n.channel_id, n.kind, n.attempts, n.digest_id, n.payload, n.created_at`,
  );
}

export interface Outcome {
  id: string;
  attempts: number;
  status: "sent" | "pending" | "failed" | "suppressed";
  statusReason?: string | null;
  /** for pending: when to try again; `countAttempt: false` gives the claim's attempt back */
  nextAttemptAt?: Date;
  countAttempt?: boolean;
  providerMessageId?: string | null;
  lastError?: string | null;
  lastResponse?: string | null;
}

/**
 * Records a batch of outcomes in one statement. Rows whose `attempts` moved on (re-claimed after
 * our lease ran out) are left alone.
 */
export async function complete(db: Db, now: Date, outcomes: Outcome[]): Promise<number> {
  if (outcomes.length === 0) return 0;
  const records = outcomes.map((o) => ({
    id: o.id,
    attempts: o.attempts,
    status: o.status,
    status_reason: o.statusReason ?? null,
    next_attempt_at: o.nextAttemptAt?.toISOString() ?? null,
    count_attempt: o.countAttempt !== false,
    provider_message_id: o.providerMessageId ?? null,
    last_error: o.lastError ?? null,
    last_response: o.lastResponse ?? null,
  }));
  const done = await rows<{ id: string }>(
    db,
    sql`update notifications n set
        status = v.status,
        status_reason = v.status_reason,
        attempts = case when v.count_attempt then n.attempts else n.attempts - 1 end,
        next_attempt_at = coalesce(v.next_attempt_at, n.next_attempt_at),
        lease_until = null,
        provider_message_id = coalesce(v.provider_message_id, n.provider_message_id),
        last_error = case when v.status = 'sent' then null else coalesce(v.last_error, n.last_error) end,
        last_response = coalesce(v.last_response, n.last_response),
        sent_at = case when v.status = 'sent' then ${ts(now)} else n.sent_at end,
        updated_at = ${ts(now)}
      from ${jsonRecords(
        records,
        "v(id text, attempts int, status text, status_reason text, next_attempt_at timestamptz, count_attempt boolean, provider_message_id text, last_error text, last_response text)",
      )}
      where n.id = v.id and n.status = 'sending' and n.attempts = v.attempts
      returning n.id`,
  );
  return done.length;
}
