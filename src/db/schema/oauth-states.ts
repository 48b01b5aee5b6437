import { index, pgTable, text } from "drizzle-orm/pg-core";
import { ts } from "./columns";
import { users } from "./users";

/**
 * "Add to Slack" states: the signed `state` names the user and carries this nonce; the callback
 * consumes the row (`update … where used_at is null returning`), so a state works once, also when
 * two callbacks race.
 */
export const oauthStates = pgTable(
  "oauth_states",
  {
    nonce: text("nonce").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: ts("created_at").notNull(),
    usedAt: ts("used_at"),
  },
  (t) => [index("oauth_states_user_idx").on(t.userId)],
);

export type OAuthStateRow = typeof oauthStates.$inferSelect;
