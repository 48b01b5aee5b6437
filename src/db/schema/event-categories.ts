import { pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { ts } from "./columns";

/**
 * One row per (event, category): what "How other platforms handle this" reads
 * (db/queries/elsewhere.ts). Filled by the fan-out worker in the transaction that fans the
 * events out (until drizzle/0012 by a trigger on ingest's INSERT, which doubled its cost): an
 * event is compared with others once it is fanned out. Events are never updated or deleted, so
 * the rows never go stale and need no foreign key.
 *
 * Why a table and not a GIN index on `events.categories`: the question is "the newest events
 * carrying this category", and a GIN index cannot return rows in order. With GIN the planner's
 * generic plan (a LATERAL per category) walks `events_received_idx` backwards and filters, which
 * reads all 100,000 events for a category that appears only in old ones (64 ms measured); this
 * primary key answers any category in a few index pages.
 */
export const eventCategories = pgTable(
  "event_categories",
  {
    category: text("category").notNull(),
    receivedAt: ts("received_at").notNull(),
    eventId: text("event_id").notNull(),
    platformSlug: text("platform_slug").notNull(),
  },
  (t) => [primaryKey({ columns: [t.category, t.receivedAt, t.eventId] })],
);
