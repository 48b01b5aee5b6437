import { createHash } from "node:crypto";
import {
  AUDIT_COLUMNS,
  type AuditRange,
  type AuditRow,
  auditChunks,
  createAuditExport,
  finishAuditExport,
  getAuditExport,
} from "../db/queries/audit";
import type { AuditExportFormat, AuditExportRow } from "../db/schema/audit-exports";
import type { Db } from "../db/types";
import type { Clock } from "../lib/clock";
import type { Keys } from "../lib/crypto";
import { csvRecord } from "../lib/csv";
import { notFound } from "../lib/errors";
import type { Logger } from "../lib/log";

/**
 * The audit export (Professional): every notification with its channel, delivery state and
 * events' evidence, streamed; its record keeps the SHA-256 of exactly the bytes sent and an HMAC.
 */
export { AUDIT_COLUMNS } from "../db/queries/audit";
export {
  AUDIT_EXPORT_FORMATS,
  AUDIT_EXPORT_STATUSES,
  type AuditExportFormat,
  type AuditExportRow,
} from "../db/schema/audit-exports";

/** How each format frames its rows. JSON: one array, one object per line; CSV: RFC 4180 with a header. */
const FRAMING: Record<
  AuditExportFormat,
  { type: string; head: string; row: (r: AuditRow, first: boolean) => string; tail: string }
> = {
  json: {
    type: "application/json; charset=utf-8",
    head: "[",
    row: (r, first) => `${first ? "\n" : ",\n"}${JSON.stringify(r)}`,
    tail: "\n]\n",
  },
  csv: {
    type: "text/csv; charset=utf-8; header=present",
    head: csvRecord(AUDIT_COLUMNS),
    row: (r) => csvRecord(AUDIT_COLUMNS.map((c) => r[c])),
    tail: "",
  },
};

interface StreamOptions {
  db: Db;
  keys: Keys;
  clock: Clock;
  log: Logger;
  record: AuditExportRow;
  range: AuditRange;
  /** rows per chunk (default AUDIT_CHUNK_ROWS) */
  chunkRows?: number;
}

type Controller = ReadableStreamDefaultController<Uint8Array>;

/** The stream's progress and its running digest: every byte enqueued goes through the SHA-256 first. */
function exportWriter(o: StreamOptions) {
  const hash = createHash("sha256");
  const encoder = new TextEncoder();
  const s = { state: "head" as "head" | "rows" | "ending" | "done", rowCount: 0, bytes: 0 };

  const emit = (controller: Controller, text: string) => {
    if (!text) return;
    const chunk = encoder.encode(text);
    hash.update(chunk);
    s.bytes += chunk.length;
    controller.enqueue(chunk);
  };
  const incomplete = async (why: string) => {
    if (s.state === "done") return;
    s.state = "done";
    const now = o.clock.now();
    await finishAuditExport(o.db, o.record.id, {
      status: "incomplete",
      rows: s.rowCount,
      bytes: s.bytes,
      sha256: null,
      hmac: null,
      now,
    });
    o.log.warn("audit export incomplete", { export_id: o.record.id, rows: s.rowCount, bytes: s.bytes, reason: why });
  };
  const complete = async (controller: Controller) => {
    s.state = "done";
    const sha256 = hash.digest("hex");
    const hmac = await o.keys.auditHmac(sha256);
    await finishAuditExport(o.db, o.record.id, {
      status: "complete",
      rows: s.rowCount,
      bytes: s.bytes,
      sha256,
      hmac,
      now: o.clock.now(),
    });
    controller.close();
  };
  return { s, emit, incomplete, complete };
}

/**
 * The export as a pull stream: the header first, then one keyset chunk per pull — read only when
 * the consumer has taken the previous one, so memory holds one chunk whatever the export's size.
 * Every byte enqueued goes through the SHA-256 first. The record turns `complete` (digest and
 * HMAC) only on the pull after the last bytes were taken; a cancel (the client went away) or a
 * failure before that makes it `incomplete`.
 */
function auditExportStream(o: StreamOptions): ReadableStream<Uint8Array> {
  const frame = FRAMING[o.record.format];
  const chunks = auditChunks(o.db, o.record.userId, o.range, o.chunkRows);
  const w = exportWriter(o);
  const { s } = w;

  /** One step; every pull enqueues something or closes: a pull that does neither is never called again. */
  const step = async (controller: Controller) => {
    if (s.state === "head") {
      w.emit(controller, frame.head);
      s.state = "rows";
    } else if (s.state === "rows") {
      const next = await chunks.next();
      if (s.state !== "rows") return; // cancelled while reading
      if (next.done) {
        if (!frame.tail) return await w.complete(controller);
        w.emit(controller, frame.tail);
        s.state = "ending";
        return;
      }
      let text = "";
      for (const r of next.value) text += frame.row(r, s.rowCount++ === 0);
      w.emit(controller, text);
    } else if (s.state === "ending") {
      await w.complete(controller);
    }
  };

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        await step(controller);
      } catch (err) {
        await w.incomplete(err instanceof Error ? err.message : String(err)).catch(() => {});
        controller.error(err);
      }
    },
    async cancel(reason) {
      await w.incomplete(`client went away${reason ? `: ${String(reason)}` : ""}`);
    },
  });
}

export interface AuditExportStart {
  record: AuditExportRow;
  body: ReadableStream<Uint8Array>;
  /** the Content-Type of the format */
  contentType: string;
}

/**
 * Records an export (pending) and returns its stream: only notifications created up to now, in
 * [since, until).
 */
export async function startAuditExport(
  o: { db: Db; keys: Keys; clock: Clock; log: Logger },
  userId: string,
  q: { format: AuditExportFormat; since?: string; until?: string },
): Promise<AuditExportStart> {
  const now = o.clock.now();
  const since = q.since ? new Date(q.since) : undefined;
  const until = q.until ? new Date(q.until) : undefined;
  const record = await createAuditExport(o.db, { userId, format: q.format, since, until, now });
  const body = auditExportStream({ ...o, record, range: { since, until, cutoff: now } });
  return { record, body, contentType: FRAMING[q.format].type };
}

/** The user's own export record, or 404. */
export async function auditExportRecord(db: Db, userId: string, id: string): Promise<AuditExportRow> {
  const row = await getAuditExport(db, userId, id);
  if (!row) throw notFound("audit export");
  return row;
}
