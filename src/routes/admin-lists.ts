import { createRoute, z } from "@hono/zod-openapi";
import { type EventListRow, getEvent, listEvents, listUsers } from "../db/queries/operator-lists";
import { notFound } from "../lib/errors";
import { slug } from "../lib/event-schema";
import { decodeCursor, page } from "../lib/pagination";
import { requireAdmin } from "../middleware/auth";
import { adminBearer, createRouter, errors, json, listOf, PageQuery } from "./common";
import { email, TierSchema, UserSchema } from "./schemas";
import { userJson } from "./serialize";

/** The operator's views of users and events (contract: "Users — operator"). */

const OperatorEvent = z
  .object({
    id: z.string(),
    type: z.string(),
    occurred_at: z.string(),
    platform: z.object({ slug: z.string(), name: z.string() }),
    document: z.object({ slug: z.string(), title: z.string(), url: z.string() }),
    severity: z.string(),
    received_at: z.string(),
    fanned_out_at: z.string().nullable().openapi({ description: "null while the fan-out is pending" }),
    matched_users: z.number().int().nullable().openapi({ description: "users with a matching watch; null until fanned out" }),
    alerts: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "alert notifications (one per user and channel) that carry this event, new or joined" }),
    digest_items: z.number().int().nullable().openapi({ description: "digest entries queued; null until fanned out" }),
  })
  .openapi("OperatorEvent");

const eventJson = (r: EventListRow): z.infer<typeof OperatorEvent> => ({
  id: r.id,
  type: r.type,
  occurred_at: r.occurredAt.toISOString(),
  platform: { slug: r.platformSlug, name: r.platformName },
  document: { slug: r.documentSlug, title: r.documentTitle, url: r.documentUrl },
  severity: r.severity,
  received_at: r.receivedAt.toISOString(),
  fanned_out_at: r.fannedOutAt?.toISOString() ?? null,
  matched_users: r.matchedUsers,
  alerts: r.alerts,
  digest_items: r.digestItems,
});

/** Producers' ids: 1–200 printable characters (spaces inside allowed), as ingest accepts them. */
const EventIdParam = z.object({
  id: z
    .string()
    .regex(/^[\x21-\x7e](?:[\x20-\x7e]{0,198}[\x21-\x7e])?$/, "must be an event id")
    .openapi({ param: { name: "id", in: "path" } }),
});

const listUsersRoute = createRoute({
  method: "get",
  path: "/v1/admin/users",
  operationId: "listUsers",
  tags: ["operator"],
  summary: "List users, newest first (`email` matches exactly; `tier` filters the stored tier)",
  security: adminBearer,
  middleware: [requireAdmin],
  request: { query: PageQuery.extend({ email: email.optional(), tier: TierSchema.optional() }) },
  responses: { 200: json(listOf(UserSchema, "UserList"), "A page of users"), 400: errors[400], 401: errors[401] },
});

const listEventsRoute = createRoute({
  method: "get",
  path: "/v1/admin/events",
  operationId: "listEvents",
  tags: ["operator"],
  summary: "List received events, newest first by received_at, with what their fan-out did",
  security: adminBearer,
  middleware: [requireAdmin],
  request: {
    query: PageQuery.extend({
      platform: slug.optional(),
      since: z.iso.datetime({ offset: true }).optional().openapi({ description: "received at or after" }),
    }),
  },
  responses: { 200: json(listOf(OperatorEvent, "OperatorEventList"), "A page of events"), 400: errors[400], 401: errors[401] },
});

const getEventRoute = createRoute({
  method: "get",
  path: "/v1/admin/events/{id}",
  operationId: "getEvent",
  tags: ["operator"],
  summary: "One event and what its fan-out did (`fanned_out_at`, `matched_users`, `alerts`, `digest_items`)",
  security: adminBearer,
  middleware: [requireAdmin],
  request: { params: EventIdParam },
  responses: { 200: json(OperatorEvent, "The event"), 400: errors[400], 401: errors[401], 404: errors[404] },
});

export const adminListRoutes = createRouter()
  .openapi(listUsersRoute, async (c) => {
    const { limit, cursor, email, tier } = c.req.valid("query");
    const { database, clock } = c.get("deps");
    const now = clock.now();
    const rows = await listUsers(database.db, { email, tier }, limit, decodeCursor(cursor));
    const p = page(rows, limit, (u) => ({ at: u.createdAt, id: u.id }));
    return c.json({ items: p.items.map((u) => userJson(u, now)), next_cursor: p.next_cursor }, 200);
  })
  .openapi(listEventsRoute, async (c) => {
    const { limit, cursor, platform, since } = c.req.valid("query");
    const { database } = c.get("deps");
    const rows = await listEvents(
      database.db,
      { platform, since: since ? new Date(since) : undefined },
      limit,
      decodeCursor(cursor),
    );
    const p = page(rows, limit, (e) => ({ at: e.receivedAt, id: e.id }));
    return c.json({ items: p.items.map(eventJson), next_cursor: p.next_cursor }, 200);
  })
  .openapi(getEventRoute, async (c) => {
    const row = await getEvent(c.get("deps").database.db, c.req.valid("param").id);
    if (!row) throw notFound("event");
    return c.json(eventJson(row), 200);
  });
