import {
  findNotification,
  type NotificationFilter,
  notificationEventLinks,
  notificationsAfter,
  requeueFailed,
} from "../db/queries/notifications";
import type { NotificationRow } from "../db/schema/notifications";
import type { Db } from "../db/types";
import { ApiError, notFound } from "../lib/errors";
import { decodeCursor, type Page, page } from "../lib/pagination";

export type { NotificationFilter } from "../db/queries/notifications";
export type { NotificationRow } from "../db/schema/notifications";
/** A user's notifications as the API shows them: the outbox row with its events' producer ids. */
export { NOTIFICATION_KINDS, NOTIFICATION_STATUSES } from "../db/schema/notifications";

export type NotificationWithEvents = NotificationRow & { eventIds: string[] };

/** The notifications with their events' ids, sorted (one query for all). */
export async function withEventIds(db: Db, list: NotificationRow[]): Promise<NotificationWithEvents[]> {
  const links = await notificationEventLinks(
    db,
    list.map((n) => n.id),
  );
  return list.map((n) => ({
    ...n,
    eventIds: links
      .filter((l) => l.notificationId === n.id)
      .map((l) => l.eventId)
      .sort(),
  }));
}

async function ownNotification(db: Db, userId: string, id: string): Promise<NotificationRow> {
  const n = await findNotification(db, userId, id);
  if (!n) throw notFound("notification");
  return n;
}

/** A page of the user's notifications, newest first; `cursor` is the previous page's next_cursor. */
export async function notificationsPage(
  db: Db,
  userId: string,
  filter: NotificationFilter,
  cursor: string | undefined,
  limit: number,
): Promise<Page<NotificationWithEvents>> {
  const rows = await notificationsAfter(db, userId, filter, decodeCursor(cursor), limit);
  const p = page(rows, limit, (n) => ({ at: n.createdAt, id: n.id }));
  return { items: await withEventIds(db, p.items), next_cursor: p.next_cursor };
}

/** The user's notification, or 404 (also for another user's id). */
export async function getNotification(db: Db, userId: string, id: string): Promise<NotificationWithEvents> {
  const [n] = await withEventIds(db, [await ownNotification(db, userId, id)]);
  return n;
}

/** Queues a failed notification again (409 for any other status); the caller wakes the dispatcher. */
export async function resendNotification(db: Db, userId: string, id: string, now: Date): Promise<NotificationWithEvents> {
  const n = await ownNotification(db, userId, id);
  const updated = await requeueFailed(db, n.id, now);
  if (!updated) throw new ApiError("conflict", `only a failed notification can be re-sent; this one is ${n.status}`);
  const [shown] = await withEventIds(db, [updated]);
  return shown;
}
