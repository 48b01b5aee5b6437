import { type AuditExportRow, auditExportRecord, startAuditExport } from "../../services/audit";
import type { AppRouteHandler } from "../common";
import type * as routes from "./audit.routes";

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

export const exportAudit: AppRouteHandler<typeof routes.exportAudit> = async (c) => {
  const q = c.req.valid("query");
  const { database, clock, keys, log } = c.get("deps");
  const { record, body, contentType } = await startAuditExport({ db: database.db, keys, clock, log }, c.get("user").id, q);
  return c.body(body, 200, {
    "Content-Type": contentType,
    "Content-Disposition": `attachment; filename="clausewatch-audit-${record.id}.${q.format}"`,
    "X-Export-Id": record.id,
    // The digest covers the bytes as sent: no-transform keeps proxies (and Hono's compress) from re-encoding them.
    "Cache-Control": "no-store, no-transform",
  });
};

export const getAuditExport: AppRouteHandler<typeof routes.getAuditExport> = async (c) => {
  const row = await auditExportRecord(c.get("deps").database.db, c.get("user").id, c.req.valid("param").id);
  return c.json(exportJson(row), 200);
};
