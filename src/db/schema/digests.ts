import { integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import type { DigestPlan } from "../../digest/plan";
import { idColumn, ts } from "./columns";
import { users } from "./users";

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
