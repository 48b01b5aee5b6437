import { createRoute, z } from "@hono/zod-openapi";
import { datetime } from "../../lib/event-schema";
import { requireUser } from "../../middleware/auth";
import { requireFeature } from "../../middleware/entitlement";
import { AUDIT_COLUMNS, AUDIT_EXPORT_FORMATS, AUDIT_EXPORT_STATUSES } from "../../services/audit";
import { bearer, errors, IdParam, json } from "../common";

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

const tags = ["professional"];

export const exportAudit = createRoute({
  method: "get",
  path: "/v1/audit/export",
  operationId: "exportAudit",
  tags,
  summary: "Audit export: every notification with its channel, delivery state and events' evidence (Professional)",
  description:
    "Streamed, oldest first: one row per notification and event it carried (an alert's events, a digest's watchlist " +
    "and highlights), one row with empty event fields for a notification without events. `json`: one array of " +
    "objects, one per line. `csv`: RFC 4180, CRLF, a header row; a cell starting with = + - @ tab or CR is prefixed " +
    "with `'` so spreadsheets never evaluate it. The response carries `X-Export-Id`; the service hashes exactly the " +
    "bytes it sends (never content-encoded) and, when the stream ends, records the SHA-256 and its HMAC: " +
    "`GET /v1/audit/exports/{id}`. Only notifications created up to the export's start are included.",
  security: bearer,
  // the tier before the query: a free user learns about the plan, not about a malformed query
  middleware: [requireUser, requireFeature("auditExport", "the audit export")],
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

export const getAuditExport = createRoute({
  method: "get",
  path: "/v1/audit/exports/{id}",
  operationId: "getAuditExport",
  tags,
  summary: "An audit export's record: status, row count, SHA-256 of the bytes sent and its HMAC",
  description:
    "`pending` while streaming, `complete` once every byte was handed on (then `sha256` and `hmac` are set), " +
    "`incomplete` when the client went away or the stream failed. Your own exports only; readable on any tier, " +
    "so past exports stay verifiable after a downgrade.",
  security: bearer,
  middleware: [requireUser],
  request: { params: IdParam },
  responses: { 200: json(AuditExportSchema, "The export record"), 401: errors[401], 404: errors[404] },
});
