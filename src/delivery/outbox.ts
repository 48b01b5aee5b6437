import { sql } from "drizzle-orm";
import type { NotificationKind } from "../db/schema/notifications";
import { instant } from "../db/sql";
import { type Db, jsonRecords, rows, textArray } from "../db/types";

/** A claimed notification: `attempts` (after the claim) fences the completion against a re-claim. */
export interface Claimed {
  id: string;
  /** both null only for a notice to an address that is no account yet (delivery/signup-notices.ts) */
  user_id: string | null;
  channel_id: string | null;
  kind: NotificationKind;
  attempts: number;
  digest_id: string | null;
  payload: unknown;
  created_at: Date | string;
}

interface ClaimResult {
  claimed: Claimed[];
  /** due alerts among the candidates that were held for quiet hours instead */
  held: number;
}

/**
 * Claims due notifications under a lease. SKIP LOCKED lets several dispatchers (threads or
 * replicas) take disjoint rows; an alert being joined by an ingest (FOR SHARE) is skipped until
 * that ingest commits. The lease is `next_attempt_at`: if this worker dies, the row simply comes
 * due again when the lease runs out, and the next claim bumps `attempts`, fencing us out.
 *
 * Quiet hours are decided in the same statement, for the candidates only: an alert due inside
 * its user's quiet hours waits until the quiet period ends (its `next_attempt_at` moves there),
 * unless it carries a critical event; it stays pending and open, so what arrives meanwhile joins
 * the same alert. The local-time arithmetic is PostgreSQL's (`AT TIME ZONE`), so DST is handled
 * by tzdata. (Looking at the candidates alone keeps a round's cost with the batch, not with the
 * outbox: a week's 100,000 queued digests made a separate hold over every due row ~0.1 s a round.)
 *
 * `ids` narrows the candidates to those rows (the Worker's delivery consumer claims exactly the
 * ids its queue messages carry); the lease, the fence and the quiet-hours hold are the same.
 */
export async function claimDue(db: Db, now: Date, limit: number, leaseMs: number, ids?: readonly string[]): Promise<ClaimResult> {
  const n = instant(now);
  const only = ids ? sql`and id = any(${textArray(ids)})` : sql``;
  const lease = instant(new Date(now.getTime() + leaseMs));
  const out = await rows<Claimed & { held: number }>(
    db,
    sql`with cand as materialized (
        select id, user_id, kind, status from notifications
        where status in ('pending', 'sending') and next_attempt_at <= ${n} ${only}
        order by next_attempt_at
        limit ${limit}
        for update skip locked
      ), local as (
        select c.id, u.timezone,
               (${n} at time zone u.timezone) as at_local,
               u.quiet_start::time as qs, u.quiet_end::time as qe
        from cand c join users u on u.id = c.user_id
        where c.kind = 'alert' and c.status = 'pending' and u.quiet_start is not null and u.quiet_end is not null
      ), quiet as (
        select id,
               ((case when qe > at_local::time then at_local::date else at_local::date + 1 end) + qe)
                 at time zone timezone as quiet_end
        from local l
        where case when qs < qe then at_local::time >= qs and at_local::time < qe
                   else at_local::time >= qs or at_local::time < qe end
          and not exists (select 1 from notification_events ne join events e on e.id = ne.event_id
                          where ne.notification_id = l.id and e.severity = 'critical')
      ), held as (
        update notifications h set next_attempt_at = q.quiet_end, updated_at = ${n}
        from quiet q where h.id = q.id
        returning h.id
      ), claimed as (
        update notifications c
        set status = 'sending', group_open = false, attempts = c.attempts + 1,
            lease_until = ${lease}, next_attempt_at = ${lease}, updated_at = ${n}
        where c.id in (select id from cand) and c.id not in (select id from quiet)
        returning c.id, c.user_id, c.channel_id, c.kind, c.attempts, c.digest_id, c.payload, c.created_at
      )
      select claimed.*, h.held from (select count(*)::int as held from held) h left join claimed on true`,
  );
  return { claimed: out.filter((r) => r.id !== null).map(({ held: _held, ...c }) => c), held: out[0]?.held ?? 0 };
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
        sent_at = case when v.status = 'sent' then ${instant(now)} else n.sent_at end,
        updated_at = ${instant(now)}
      from ${jsonRecords(
        records,
        "v(id text, attempts int, status text, status_reason text, next_attempt_at timestamptz, count_attempt boolean, provider_message_id text, last_error text, last_response text)",
      )}
      where n.id = v.id and n.status = 'sending' and n.attempts = v.attempts
      returning n.id`,
  );
  return done.length;
}

/**
 * The heartbeat: moves the lease of claimed rows that are still ours (`sending`, same `attempts`)
 * to `now + leaseMs`, in one statement. A row another dispatcher re-claimed after our lease ran
 * out has a higher `attempts` and is left alone, so a replica that lost a claim can never extend
 * someone else's. Returns the ids still held: the caller must not send the others.
 */
export async function extendLeases(
  db: Db,
  now: Date,
  held: readonly { id: string; attempts: number }[],
  leaseMs: number,
): Promise<Set<string>> {
  if (held.length === 0) return new Set();
  const lease = instant(new Date(now.getTime() + leaseMs));
  const kept = await rows<{ id: string }>(
    db,
    sql`update notifications n set next_attempt_at = ${lease}, lease_until = ${lease}, updated_at = ${instant(now)}
      from ${jsonRecords(
        held.map((h) => ({ id: h.id, attempts: h.attempts })),
        "v(id text, attempts int)",
      )}
      where n.id = v.id and n.status = 'sending' and n.attempts = v.attempts
      returning n.id`,
  );
  return new Set(kept.map((r) => r.id));
}
