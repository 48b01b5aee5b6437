import { and, eq, type SQL, sql } from "drizzle-orm";
import { auditExports } from "../schema";
import type { AuditExportFormat, AuditExportRow } from "../schema/audit-exports";
import { instant } from "../sql";
import { type Db, rows } from "../types";

/**
 * The export's columns, in order (the CSV header; the JSON objects' keys). One row per
 * notification and event it carried — an alert's linked events, a digest's watchlist and
 * highlights — and one row with empty event fields for a notification without events.
 */
export const AUDIT_COLUMNS = [
  "notification_id",
  "kind",
  "channel_id",
  "channel_type",
  "channel_target",
  "status",
  "status_reason",
  "attempts",
  "created_at",
  "updated_at",
  "sent_at",
  "provider_message_id",
  "last_error",
  "event_id",
  "event_type",
  "occurred_at",
  "platform",
  "document",
  "severity",
  "content_sha256",
  "source_url",
  "archive_url",
  "captured_at",
] as const;

export type AuditColumn = (typeof AUDIT_COLUMNS)[number];
export type AuditRow = Record<AuditColumn, string | number | null>;

/** Where the next chunk starts: after this (created_at, notification id, event id). */
export interface AuditKey {
  at: string;
  id: string;
  eventId: string;
}

export interface AuditRange {
  since?: Date;
  until?: Date;
  /** the export's start: notifications created later are never in it */
  cutoff: Date;
}

const isoCol = (col: SQL) => sql`to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Rows per chunk: each is formatted, hashed and handed on before the next is read. */
const AUDIT_CHUNK_ROWS = 1000;

/**
 * One keyset chunk of a user's audit rows, oldest first by (created_at, notification id, event id):
 * at most `limit` rows from at most `span` notifications (the cursor's own included, since it may
 * have events left), so a chunk never grows with the export. Timestamps come back as ISO text
 * (the same on both drivers); the cursor compares them as timestamptz.
 */
async function auditChunk(db: Db, userId: string, r: AuditRange, after: AuditKey | undefined, limit: number, span = limit) {
  const conds: SQL[] = [sql`n0.user_id = ${userId}`, sql`n0.created_at <= ${instant(r.cutoff)}`];
  if (r.since) conds.push(sql`n0.created_at >= ${instant(r.since)}`);
  if (r.until) conds.push(sql`n0.created_at < ${instant(r.until)}`);
  if (after) conds.push(sql`(n0.created_at, n0.id) >= (${after.at}::timestamptz, ${after.id})`);
  const rowAfter = after
    ? sql`where (n.created_at, n.id, coalesce(ev.event_id, '')) > (${after.at}::timestamptz, ${after.id}, ${after.eventId})`
    : sql``;
  return rows<AuditRow>(
    db,
    sql`select n.id as notification_id, n.kind, n.channel_id, ch.type as channel_type, ch.target as channel_target,
          n.status, n.status_reason, n.attempts, ${isoCol(sql`n.created_at`)} as created_at,
          ${isoCol(sql`n.updated_at`)} as updated_at, ${isoCol(sql`n.sent_at`)} as sent_at,
          n.provider_message_id, n.last_error,
          ev.event_id, e.type as event_type, ${isoCol(sql`e.occurred_at`)} as occurred_at,
          e.platform_slug as platform, e.document_slug as document, e.severity,
          e.evidence->>'content_sha256' as content_sha256,
          e.evidence->>'source_url' as source_url,
          e.evidence->>'archive_url' as archive_url,
          e.evidence->>'captured_at' as captured_at
        from (
          select n0.id, n0.kind, n0.channel_id, n0.digest_id, n0.status, n0.status_reason, n0.attempts, n0.created_at,
                 n0.updated_at, n0.sent_at, n0.provider_message_id, n0.last_error
          from notifications n0
          where ${sql.join(conds, sql` and `)}
          order by n0.created_at, n0.id
          limit ${span}
        ) n
        join channels ch on ch.id = n.channel_id
        left join lateral (
          select ne.event_id from notification_events ne where ne.notification_id = n.id
          union
          select x.id from digests d,
            jsonb_array_elements_text(coalesce(d.plan->'watchlist', '[]'::jsonb) || coalesce(d.plan->'highlights', '[]'::jsonb)) as x(id)
          where d.id = n.digest_id
        ) ev on true
        -- the evidence is taken out of the (possibly large) payload once per row, not once per field
        left join lateral (
          select x.type, x.occurred_at, x.platform_slug, x.document_slug, x.severity, x.payload->'evidence' as evidence
          from events x where x.id = ev.event_id
        ) e on true
        ${rowAfter}
        order by n.created_at, n.id, coalesce(ev.event_id, '')
        limit ${limit}`,
  );
}

/**
 * A user's audit rows, chunk by chunk, for as long as the consumer asks. How many notifications a
 * chunk reads follows how many events the last ones carried (about `rows` rows' worth, never
 * fewer than two: the cursor's own notification may have nothing left).
 *
 * @example for await (const chunk of auditChunks(db, userId, { cutoff: now })) write(chunk);
 */
export async function* auditChunks(
  db: Db,
  userId: string,
  range: AuditRange,
  rows = AUDIT_CHUNK_ROWS,
): AsyncGenerator<AuditRow[]> {
  let after: AuditKey | undefined;
  let span = Math.max(2, rows);
  for (;;) {
    const chunk = await auditChunk(db, userId, range, after, rows, span);
    if (chunk.length === 0) return;
    yield chunk;
    const last = chunk[chunk.length - 1];
    after = { at: String(last.created_at), id: String(last.notification_id), eventId: String(last.event_id ?? "") };
    const notificationsSeen = new Set(chunk.map((c) => c.notification_id)).size;
    span = Math.max(2, Math.min(rows, Math.ceil((rows * notificationsSeen) / chunk.length) + 1));
  }
}

export async function createAuditExport(
  db: Db,
  v: { userId: string; format: AuditExportFormat; since?: Date; until?: Date; now: Date },
): Promise<AuditExportRow> {
  const [row] = await db
    .insert(auditExports)
    .values({ userId: v.userId, format: v.format, since: v.since ?? null, until: v.until ?? null, createdAt: v.now })
    .returning();
  return row;
}

/** Leaves `pending` once: the first of "complete" (stream ended) and "incomplete" (aborted) wins. */
export async function finishAuditExport(
  db: Db,
  id: string,
  v: { status: "complete" | "incomplete"; rows: number; bytes: number; sha256: string | null; hmac: string | null; now: Date },
): Promise<boolean> {
  const done = await db
    .update(auditExports)
    .set({ status: v.status, rows: v.rows, bytes: v.bytes, sha256: v.sha256, hmac: v.hmac, completedAt: v.now })
    .where(and(eq(auditExports.id, id), eq(auditExports.status, "pending")))
    .returning({ id: auditExports.id });
  return done.length === 1;
}

export async function getAuditExport(db: Db, userId: string, id: string): Promise<AuditExportRow | undefined> {
  const [row] = await db
    .select()
    .from(auditExports)
    .where(and(eq(auditExports.id, id), eq(auditExports.userId, userId)))
    .limit(1);
  return row;
}
