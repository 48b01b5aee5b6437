import { pgTable, text } from "drizzle-orm/pg-core";
import { ts } from "./columns";

/** Addresses that must not be mailed (hard bounce, complaint); keyed by lower-cased address. */
export const suppressions = pgTable("suppressions", {
  email: text("email").primaryKey(),
  reason: text("reason").notNull(),
  source: text("source"),
  createdAt: ts("created_at").notNull(),
});
