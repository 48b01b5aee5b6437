import { createRouter } from "../common";
import * as handlers from "./audit.handlers";
import * as routes from "./audit.routes";

export const auditRoutes = createRouter()
  .openapi(routes.exportAudit, handlers.exportAudit)
  .openapi(routes.getAuditExport, handlers.getAuditExport);
