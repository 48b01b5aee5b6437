import { and, desc, eq, inArray } from "drizzle-orm";
import { afterCursor, type Cursor } from "../../lib/pagination";
import { notificationEvents, notifications } from "../schema";
import type { NotificationKind, NotificationRow, NotificationStatus } from "../schema/notifications";
import type { Db } from "../types";

/** The user-facing reads and writes of the outbox (the dispatcher's claim and lease are in delivery/). */

export type NewNotification = typeof notifications.$inferInsert;

export async function insertNotification(db: Db, values: NewNotification): Promise<NotificationRow> {
  const [n] = await db.insert(notifications).values(values).returning();
  return n;
}

/** The user's notification, or undefined (also when it is another user's). */
export async function findNotification(db: Db, userId: string, id: string): Promise<NotificationRow | undefined> {
  const [n] = await db
    .select()
    .from(notifications)
    .where(and(eq(notifications.id, id), eq(notifications.userId, userId)))
    .limit(1);
  return n;
}

export interface NotificationFilter {
  kind?: NotificationKind;
  status?: NotificationStatus;
}

/** Up to limit + 1 of the user's notifications after the cursor, newest first. */
export function notificationsAfter(
  db: Db,
  userId: string,
  filter: NotificationFilter,
  after: Cursor | undefined,
  limit: number,
): Promise<NotificationRow[]> {
  return db
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.userId, userId),
        filter.kind ? eq(notifications.kind, filter.kind) : undefined,
        filter.status ? eq(notifications.status, filter.status) : undefined,
        afterCursor(notifications.createdAt, notifications.id, after, "desc"),
      ),
    )
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit + 1);
}

/** The events linked to each of these notifications (one query for all). */
export async function notificationEventLinks(db: Db, ids: string[]): Promise<{ notificationId: string; eventId: string }[]> {
  if (ids.length === 0) return [];
  return db.select().from(notificationEvents).where(inArray(notificationEvents.notificationId, ids));
}

/** Queues a failed notification again with a fresh retry schedule; undefined unless it was failed. */
export async function requeueFailed(db: Db, id: string, now: Date): Promise<NotificationRow | undefined> {
  const [n] = await db
    .update(notifications)
    .set({ status: "pending", statusReason: "resend", attempts: 0, nextAttemptAt: now, updatedAt: now })
    .where(and(eq(notifications.id, id), eq(notifications.status, "failed")))
    .returning();
  return n;
}
