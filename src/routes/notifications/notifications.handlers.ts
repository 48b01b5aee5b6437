import { getNotification, notificationsPage, resendNotification } from "../../services/notifications";
import type { AppRouteHandler } from "../common";
import type * as routes from "./notifications.routes";
import { notificationJson } from "./notifications.serialize";

export const list: AppRouteHandler<typeof routes.list> = async (c) => {
  const { limit, cursor, kind, status } = c.req.valid("query");
  const p = await notificationsPage(c.get("deps").database.db, c.get("user").id, { kind, status }, cursor, limit);
  return c.json({ items: p.items.map(notificationJson), next_cursor: p.next_cursor }, 200);
};

export const getOne: AppRouteHandler<typeof routes.getOne> = async (c) => {
  const n = await getNotification(c.get("deps").database.db, c.get("user").id, c.req.valid("param").id);
  return c.json(notificationJson(n), 200);
};

export const resend: AppRouteHandler<typeof routes.resend> = async (c) => {
  const { database, clock, onQueued } = c.get("deps");
  const n = await resendNotification(database.db, c.get("user").id, c.req.valid("param").id, clock.now());
  onQueued?.();
  return c.json(notificationJson(n), 202);
};
