import { createHash } from "node:crypto";
import { createRoute, z } from "@hono/zod-openapi";
import {
  AUDIT_COLUMNS,
  type AuditRange,
  type AuditRow,
  auditChunks,
  createAuditExport,
  finishAuditExport,
  getAuditExport,
} from "../db/queries/audit";
import {
  AUDIT_EXPORT_FORMATS,
  AUDIT_EXPORT_STATUSES,
  type AuditExportFormat,
  type AuditExportRow,
} from "../db/schema/audit-exports";
import type { Db } from "../db/types";
import type { Clock } from "../lib/clock";
import type { Keys } from "../lib/crypto";
import { csvRecord } from "../lib/csv";
import { ApiError, notFound } from "../lib/errors";
import { datetime } from "../lib/event-schema";
import type { Logger } from "../lib/log";
import { requireUser } from "../middleware/auth";
import { requireFeature } from "../middleware/entitlement";
import { bearer, createRouter, describeIssues, errors, IdParam, json } from "./common";

const ExportQuery = z
  .object({
    format: z.enum(AUDIT_EXPORT_FORMATS).default("json"),
    since: datetime.optional().openapi({ description: "Notifications created at or after this instant" }),
    until: datetime.optional().openapi({ description: "Notifications created before this instant (exclusive)" }),
  })
  .refine((q) => !q.since || !q.until || Date.parse(q.since) < Date.parse(q.until), {
    path: ["until"],
    message: "must be after since",
  });

const AuditRowSchema = z
  .object(Object.fromEntries(AUDIT_COLUMNS.map((c) => [c, c === "attempts" ? z.number().int() : z.string().nullable()])))
  .openapi("AuditRow");

export const AuditExportSchema = z
  .object({
    id: z.string(),
    status: z.enum(AUDIT_EXPORT_STATUSES),
    format: z.enum(AUDIT_EXPORT_FORMATS),
    since: z.string().nullable(),
    until: z.string().nullable(),
    rows: z.number().int(),
    bytes: z.number().int(),
    sha256: z.string().nullable().openapi({ description: "Hex SHA-256 of exactly the bytes sent (complete exports)" }),
    hmac: z.string().nullable().openapi({ description: "Hex HMAC-SHA256 of `sha256` (see docs/audit-export.md)" }),
    created_at: z.string(),
    completed_at: z.string().nullable(),
  })
  .openapi("AuditExport");

const exportJson = (x: AuditExportRow) => ({
  id: x.id,
  status: x.status,
  format: x.format,
  since: x.since?.toISOString() ?? null,
  until: x.until?.toISOString() ?? null,
  rows: x.rows,
  bytes: x.bytes,
  sha256: x.sha256,
  hmac: x.hmac,
  created_at: x.createdAt.toISOString(),
  completed_at: x.completedAt?.toISOString() ?? null,
});

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

/**
 * The export as a pull stream: the header first, then one keyset chunk per pull — read only when
 * the consumer has taken the previous one, so memory holds one chunk whatever the export's size.
 * Every byte enqueued goes through the SHA-256 first. The record turns `complete` (digest and
 * HMAC) only on the pull after the last bytes were taken; a cancel (the client went away) or a
 * failure before that makes it `incomplete`.
 */
export function auditExportStream(o: StreamOptions): ReadableStream<Uint8Array> {
  const frame = FRAMING[o.record.format];
  const chunks = auditChunks(o.db, o.record.userId, o.range, o.chunkRows);
  const hash = createHash("sha256");
  const encoder = new TextEncoder();
  let state: "head" | "rows" | "ending" | "done" = "head";
  let rowCount = 0;
  let bytes = 0;

  const emit = (controller: ReadableStreamDefaultController<Uint8Array>, text: string) => {
    if (!text) return;
    const chunk = encoder.encode(text);
    hash.update(chunk);
    bytes += chunk.length;
    controller.enqueue(chunk);
  };
  const incomplete = async (why: string) => {
    if (state === "done") return;
    state = "done";
    const now = o.clock.now();
    await finishAuditExport(o.db, o.record.id, { status: "incomplete", rows: rowCount, bytes, sha256: null, hmac: null, now });
    o.log.warn("audit export incomplete", { export_id: o.record.id, rows: rowCount, bytes, reason: why });
  };

  const complete = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    state = "done";
    const sha256 = hash.digest("hex");
    const hmac = await o.keys.auditHmac(sha256);
    await finishAuditExport(o.db, o.record.id, { status: "complete", rows: rowCount, bytes, sha256, hmac, now: o.clock.now() });
    controller.close();
  };

  // Every pull enqueues something or closes: a pull that does neither is never called again.
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (state === "head") {
          emit(controller, frame.head);
          state = "rows";
        } else if (state === "rows") {
          const next = await chunks.next();
          if (state !== "rows") return; // cancelled while reading
          if (next.done) {
            if (!frame.tail) return await complete(controller);
            emit(controller, frame.tail);
            state = "ending";
            return;
          }
          let text = "";
          for (const r of next.value) text += frame.row(r, rowCount++ === 0);
          emit(controller, text);
        } else if (state === "ending") {
          await complete(controller);
        }
      } catch (err) {
        await incomplete(err instanceof Error ? err.message : String(err)).catch(() => {});
        controller.error(err);
      }
    },
    async cancel(reason) {
      await incomplete(`client went away${reason ? `: ${String(reason)}` : ""}`);
    },
  });
}

export const auditRoutes = createRouter();

auditRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/v1/audit/export",
  operationId: "exportAudit",
  tags: ["professional"],
  summary: "Audit export: every notification with its channel, delivery state and events' evidence (Professional)",
  description:
    "Streamed, oldest first: one row per notification and event it carried (an alert's events, a digest's watchlist " +
    "and highlights), one row with empty event fields for a notification without events. `json`: one array of " +
    "objects, one per line. `csv`: RFC 4180, CRLF, a header row; a cell starting with = + - @ tab or CR is prefixed " +
    "with `'` so spreadsheets never evaluate it. The response carries `X-Export-Id`; the service hashes exactly the " +
    "bytes it sends (never content-encoded) and, when the stream ends, records the SHA-256 and its HMAC: " +
    "`GET /v1/audit/exports/{id}`. Only notifications created up to the export's start are included.",
  security: bearer,
  request: { query: ExportQuery },
  responses: {
    200: {
      description: "The export",
      headers: { "X-Export-Id": { description: "Look the digest up at /v1/audit/exports/{id}", schema: { type: "string" } } },
      content: {
        "application/json": { schema: z.array(AuditRowSchema) },
        "text/csv": { schema: z.string().openapi({ description: `Columns: ${AUDIT_COLUMNS.join(", ")}` }) },
      },
    },
    400: errors[400],
    401: errors[401],
    403: errors[403],
  },
});

auditRoutes.get("/v1/audit/export", requireUser, requireFeature("auditExport", "the audit export"), async (c) => {
  const parsed = ExportQuery.safeParse(c.req.query());
  if (!parsed.success) throw new ApiError("invalid_request", describeIssues(parsed.error.issues));
  const q = parsed.data;
  const { database, clock, keys, log } = c.get("deps");
  const now = clock.now();
  const since = q.since ? new Date(q.since) : undefined;
  const until = q.until ? new Date(q.until) : undefined;
  const record = await createAuditExport(database.db, { userId: c.get("user").id, format: q.format, since, until, now });
  const body = auditExportStream({ db: database.db, keys, clock, log, record, range: { since, until, cutoff: now } });
  return c.body(body, 200, {
    "Content-Type": FRAMING[q.format].type,
    "Content-Disposition": `attachment; filename="clausewatch-audit-${record.id}.${q.format}"`,
    "X-Export-Id": record.id,
    // The digest covers the bytes as sent: no-transform keeps proxies (and Hono's compress) from re-encoding them.
    "Cache-Control": "no-store, no-transform",
  });
});

auditRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/audit/exports/{id}",
    operationId: "getAuditExport",
    tags: ["professional"],
    summary: "An audit export's record: status, row count, SHA-256 of the bytes sent and its HMAC",
    description:
      "`pending` while streaming, `complete` once every byte was handed on (then `sha256` and `hmac` are set), " +
      "`incomplete` when the client went away or the stream failed. Your own exports only; readable on any tier, " +
      "so past exports stay verifiable after a downgrade.",
    security: bearer,
    middleware: [requireUser],
    request: { params: IdParam },
    responses: { 200: json(AuditExportSchema, "The export record"), 401: errors[401], 404: errors[404] },
  }),
  async (c) => {
    const row = await getAuditExport(c.get("deps").database.db, c.get("user").id, c.req.valid("param").id);
    if (!row) throw notFound("audit export");
    return c.json(exportJson(row), 200);
  },
);
