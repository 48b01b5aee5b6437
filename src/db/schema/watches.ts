import { sql } from "drizzle-orm";
import { boolean, index, pgTable, smallint, text, uniqueIndex } from "drizzle-orm/pg-core";
import { idColumn, ts } from "./columns";
import { users } from "./users";

export const watches = pgTable(
  "watches",
  {
    id: idColumn("wat"),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** a platform slug, or "*" (Professional, with categories) */
    platform: text("platform").notNull(),
    document: text("document"),
    provision: text("provision"),
    minSeverity: text("min_severity", { enum: ["low", "medium", "high", "critical"] }),
    /** 1..4, compared in the fan-out SQL; 0 when no threshold */
    minSeverityRank: smallint("min_severity_rank").notNull().default(0),
    categories: text("categories").array(),
    /** canonical form of what the watch matches: an identical watch is a 409 */
    fingerprint: text("fingerprint").notNull(),
    paused: boolean("paused").notNull().default(false),
    pausedReason: text("paused_reason"),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("watches_user_fingerprint_key").on(t.userId, t.fingerprint),
    // the fan-out's entry point: active watches of one platform (and the wildcard)
    index("watches_platform_active_idx").on(t.platform, t.userId).where(sql`not ${t.paused}`),
    index("watches_user_idx").on(t.userId, t.createdAt),
  ],
);

export type WatchRow = typeof watches.$inferSelect;
