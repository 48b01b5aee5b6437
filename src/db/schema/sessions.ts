import { index, pgTable, text } from "drizzle-orm/pg-core";
import { ts } from "./columns";
import { users } from "./users";

/**
 * Preference-page sessions, held by the server so that signing out ends them for real: the
 * browser's cookie carries a random token and only its SHA-256 is stored here. Deleting the row
 * (sign-out, "sign out everywhere") makes a copied cookie worthless at once.
 */
export const sessions = pgTable(
  "sessions",
  {
    /** SHA-256 (hex) of the cookie's token */
    idHash: text("id_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export type SessionRow = typeof sessions.$inferSelect;
