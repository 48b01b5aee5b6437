import { errorBody } from "../../lib/errors";
import type { AppRouteHandler } from "../common";
import type * as routes from "./health.routes";

export const health: AppRouteHandler<typeof routes.health> = (c) => c.json({ status: "ok" }, 200);

/** Ready when the database answers a ping; a 503 (not a crash) while it does not. */
export const readiness: AppRouteHandler<typeof routes.readiness> = async (c) => {
  const { database, log } = c.get("deps");
  try {
    await database.ping();
    return c.json({ status: "ok", database: database.kind }, 200);
  } catch (err) {
    log.warn("readiness check failed", { error: String(err) });
    return c.json(errorBody("unavailable", "database unreachable", c.get("requestId")), 503);
  }
};
