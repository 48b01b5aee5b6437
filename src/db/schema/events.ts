import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, smallint, text } from "drizzle-orm/pg-core";
import type { ChangeEvent } from "../../lib/event-schema";
import { ts } from "./columns";

/** One row per producer id; `raw_body` keeps the signed bytes verbatim as evidence. */
export const events = pgTable(
  "events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    occurredAt: ts("occurred_at").notNull(),
    platformSlug: text("platform_slug").notNull(),
    documentSlug: text("document_slug").notNull(),
    severity: text("severity").notNull(),
    severityRank: smallint("severity_rank").notNull(),
    summary: text("summary").notNull(),
    categories: text("categories").array().notNull(),
    provisionSlugs: text("provision_slugs").array().notNull(),
    payload: jsonb("payload").$type<ChangeEvent>().notNull(),
    rawBody: text("raw_body").notNull(),
    receivedAt: ts("received_at").notNull(),
    /**
     * What the fan-out did, for the operator (`GET /v1/admin/events/{id}`): null until the event
     * is fanned out. `alerts` counts the alert notifications that carry the event, new or joined.
     */
    fannedOutAt: ts("fanned_out_at"),
    matchedUsers: integer("matched_users"),
    alerts: integer("alerts"),
    digestItems: integer("digest_items"),
  },
  (t) => [
    index("events_platform_idx").on(t.platformSlug, t.occurredAt),
    index("events_received_idx").on(t.receivedAt),
    // the fan-out worker's queue: accepted events not yet fanned out, in arrival order
    index("events_fanout_pending_idx").on(t.receivedAt, t.id).where(sql`${t.fannedOutAt} is null`),
  ],
);

export type EventRow = typeof events.$inferSelect;
