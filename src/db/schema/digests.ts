import { integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { idColumn, ts } from "./columns";
import { users } from "./users";

/** What a digest carries, fixed when its period closes; summaries are rendered from the events at send time. */
export interface DigestPlan {
  period: { start: string; end: string };
  /** every matched event not in an earlier digest, most severe first */
  watchlist: string[];
  /** the period's top high/critical events across all platforms, not already in `watchlist` */
  highlights: string[];
  coverage: { events: number; platforms: number };
  /** professional only: the period's watchlist changes per regulation */
  regulatory_exposure?: { regulation: string; changes: number }[];
  watched_platforms: number;
}

/**
 * One weekly digest of one user: the period it closes and what it carries (event ids, not copies:
 * the events table is the evidence, and 100,000 digests must not hold 100,000 copies of it).
 * The unique (user, period start) makes a second digest for the same period impossible, even
 * when two planners race.
 */
export const digests = pgTable(
  "digests",
  {
    id: idColumn("dig"),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    periodStart: ts("period_start").notNull(),
    periodEnd: ts("period_end").notNull(),
    itemCount: integer("item_count").notNull(),
    plan: jsonb("plan").$type<DigestPlan>().notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [uniqueIndex("digests_user_period_key").on(t.userId, t.periodStart)],
);

export type DigestRow = typeof digests.$inferSelect;
