import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, inArray, lt, or } from "drizzle-orm";
import { queueChannelTest } from "../db/queries/channels";
import { notificationEvents, notifications } from "../db/schema";
import type { NotificationRow } from "../db/schema/notifications";
import { NOTIFICATION_KINDS, NOTIFICATION_STATUSES } from "../db/schema/notifications";
import type { Db } from "../db/types";
import { ApiError, notFound } from "../lib/errors";
import { decodeCursor, page } from "../lib/pagination";
import { requireUser } from "../middleware/auth";
import { bearer, createRouter, errors, IdParam, json, listOf, PageQuery } from "./common";

export const NotificationSchema = z
  .object({
    id: z.string(),
    kind: z.enum(NOTIFICATION_KINDS),
    channel_id: z.string(),
    status: z.enum(NOTIFICATION_STATUSES),
    status_reason: z.string().nullable(),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_error: z.string().nullable(),
    provider_message_id: z.string().nullable(),
    event_ids: z.array(z.string()),
    created_at: z.string(),
    sent_at: z.string().nullable(),
  })
  .openapi("Notification");

/** Notifications as the contract shows them, with their events' producer ids (one query for all). */
export async function notificationsJson(db: Db, list: NotificationRow[]) {
  const links = list.length
    ? await db
        .select()
        .from(notificationEvents)
        .where(
          inArray(
            notificationEvents.notificationId,
            list.map((n) => n.id),
          ),
        )
    : [];
  return list.map((n) => ({
    id: n.id,
    kind: n.kind,
    // only a sign-up confirmation (no account yet, so never listed here) has no channel
    channel_id: n.channelId ?? "",
    status: n.status,
    status_reason: n.statusReason,
    attempts: n.attempts,
    next_attempt_at: n.status === "pending" || n.status === "sending" ? n.nextAttemptAt.toISOString() : null,
    last_error: n.lastError,
    provider_message_id: n.providerMessageId,
    event_ids: links
      .filter((l) => l.notificationId === n.id)
      .map((l) => l.eventId)
      .sort(),
    created_at: n.createdAt.toISOString(),
    sent_at: n.sentAt?.toISOString() ?? null,
  }));
}

const own = async (db: Db, userId: string, id: string) => {
  const [n] = await db
    .select()
    .from(notifications)
    .where(and(eq(notifications.id, id), eq(notifications.userId, userId)))
    .limit(1);
  if (!n) throw notFound("notification");
  return n;
};

const ListQuery = PageQuery.extend({
  kind: z.enum(NOTIFICATION_KINDS).optional(),
  status: z.enum(NOTIFICATION_STATUSES).optional(),
});

const tags = ["notifications"];
const security = bearer;
const middleware = [requireUser];

export const notificationRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/notifications",
      operationId: "listNotifications",
      tags,
      security,
      middleware,
      summary: "The user's notifications, newest first",
      request: { query: ListQuery },
      responses: {
        200: json(listOf(NotificationSchema, "NotificationList"), "Notifications"),
        400: errors[400],
        401: errors[401],
      },
    }),
    async (c) => {
      const { limit, cursor, kind, status } = c.req.valid("query");
      const before = decodeCursor(cursor);
      const { db } = c.get("deps").database;
      const list = await db
        .select()
        .from(notifications)
        .where(
          and(
            eq(notifications.userId, c.get("user").id),
            kind ? eq(notifications.kind, kind) : undefined,
            status ? eq(notifications.status, status) : undefined,
            before
              ? or(
                  lt(notifications.createdAt, before.at),
                  and(eq(notifications.createdAt, before.at), lt(notifications.id, before.id)),
                )
              : undefined,
          ),
        )
        .orderBy(desc(notifications.createdAt), desc(notifications.id))
        .limit(limit + 1);
      const p = page(list, limit, (n) => ({ at: n.createdAt, id: n.id }));
      return c.json({ items: await notificationsJson(db, p.items), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/notifications/{id}",
      operationId: "getNotification",
      tags,
      security,
      middleware,
      summary: "One notification, with its delivery state",
      request: { params: IdParam },
      responses: { 200: json(NotificationSchema, "The notification"), 401: errors[401], 404: errors[404] },
    }),
    async (c) => {
      const { db } = c.get("deps").database;
      const n = await own(db, c.get("user").id, c.req.valid("param").id);
      return c.json((await notificationsJson(db, [n]))[0], 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/notifications/{id}/resend",
      operationId: "resendNotification",
      tags,
      security,
      middleware,
      summary: "Send a failed notification again (a fresh retry schedule)",
      request: { params: IdParam },
      responses: { 202: json(NotificationSchema, "Queued again"), 401: errors[401], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const { database, clock, onQueued } = c.get("deps");
      const now = clock.now();
      const n = await own(database.db, c.get("user").id, c.req.valid("param").id);
      const [updated] = await database.db
        .update(notifications)
        .set({ status: "pending", statusReason: "resend", attempts: 0, nextAttemptAt: now, updatedAt: now })
        .where(and(eq(notifications.id, n.id), eq(notifications.status, "failed")))
        .returning();
      if (!updated) throw new ApiError("conflict", `only a failed notification can be re-sent; this one is ${n.status}`);
      onQueued?.();
      return c.json((await notificationsJson(database.db, [updated]))[0], 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/channels/{id}/test",
      operationId: "testChannel",
      tags: ["channels"],
      security,
      middleware,
      summary: "Send a test message to a channel now",
      request: { params: IdParam },
      responses: { 202: json(NotificationSchema, "The test notification"), 401: errors[401], 404: errors[404], 409: errors[409] },
    }),
    async (c) => {
      const { database, clock, onQueued } = c.get("deps");
      const now = clock.now();
      const n = await queueChannelTest(database.db, c.get("user").id, c.req.valid("param").id, now);
      onQueued?.();
      return c.json((await notificationsJson(database.db, [n]))[0], 202);
    },
  );
