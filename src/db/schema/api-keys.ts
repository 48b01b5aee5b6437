import { index, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { idColumn, ts } from "./columns";
import { users } from "./users";

/** Only the SHA-256 of a key is stored; the key itself is shown once. */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: idColumn("key"),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    keyHash: text("key_hash").notNull(),
    /** first characters, to tell keys apart in logs without revealing them */
    prefix: text("prefix").notNull(),
    createdAt: ts("created_at").notNull(),
  },
  (t) => [uniqueIndex("api_keys_hash_key").on(t.keyHash), index("api_keys_user_idx").on(t.userId)],
);
