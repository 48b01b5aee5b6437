import { bigint, index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { idColumn, ts } from "./columns";
import { users } from "./users";

export const AUDIT_EXPORT_STATUSES = ["pending", "complete", "incomplete"] as const;
export const AUDIT_EXPORT_FORMATS = ["json", "csv"] as const;
export type AuditExportStatus = (typeof AUDIT_EXPORT_STATUSES)[number];
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

/**
 * One streamed audit export: written `pending` before the first byte, and when the stream ends
 * `complete` with the SHA-256 of exactly the bytes sent and an HMAC of that digest (SECRET_KEY),
 * or `incomplete` when the client went away or the stream failed. An auditor holding the file
 * checks it against this row; the row is never changed after it leaves `pending`.
 */
export const auditExports = pgTable(
  "audit_exports",
  {
    id: idColumn("aex"),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    format: text("format", { enum: AUDIT_EXPORT_FORMATS }).notNull(),
    /** the request's bounds on notifications' created_at: since inclusive, until exclusive */
    since: ts("since"),
    until: ts("until"),
    status: text("status", { enum: AUDIT_EXPORT_STATUSES }).notNull().default("pending"),
    rows: integer("rows").notNull().default(0),
    bytes: bigint("bytes", { mode: "number" }).notNull().default(0),
    sha256: text("sha256"),
    hmac: text("hmac"),
    createdAt: ts("created_at").notNull(),
    completedAt: ts("completed_at"),
  },
  (t) => [index("audit_exports_user_idx").on(t.userId, t.createdAt)],
);

export type AuditExportRow = typeof auditExports.$inferSelect;
