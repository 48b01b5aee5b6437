import { sql } from "drizzle-orm";
import { index, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { ts } from "./columns";

/** One per matched user and event: what the user's next digest will carry. */
export const digestItems = pgTable(
  "digest_items",
  {
    /**
     * No foreign key to users either, on purpose: the fan-out writes one row per matched user it has
     * just selected from users, and a key check per row cost 496 of the fan-out's 2,018 ms
     * (bench:fanout, EXPLAIN ANALYZE). Deleting a user still deletes their items: a
     * statement-level trigger on users does it once per DELETE (migration 0013).
     */
    userId: text("user_id").notNull(),
    /**
     * No foreign key to events, on purpose: the fan-out writes up to one row per user in the same
     * transaction that has just inserted the event, and events are never deleted, so the check
     * would protect nothing and costs a trigger call per row on the hot path.
     */
    eventId: text("event_id").notNull(),
    /** set when a digest took the item; null while it waits for the next one */
    digestId: text("digest_id"),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("digest_items_user_event_key").on(t.userId, t.eventId),
    index("digest_items_pending_idx").on(t.userId).where(sql`${t.digestId} is null`),
  ],
);
