import { sql } from "drizzle-orm";
import { boolean, index, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { idColumn, ts } from "./columns";
import { users } from "./users";

export const CHANNEL_STATUSES = ["active", "pending_verification", "disabled", "paused"] as const;
export type ChannelStatus = (typeof CHANNEL_STATUSES)[number];

/**
 * Delivery targets. Tokens, webhook URLs and signing secrets live only in `secret_enc`
 * (AES-256-GCM under SECRET_KEY); `target` is what may be shown (an address, a Slack channel,
 * a webhook URL with its path and query redacted). Deleting is soft so the audit trail survives.
 */
export const channels = pgTable(
  "channels",
  {
    id: idColumn("chn"),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    type: text("type", { enum: ["email", "slack", "webhook"] }).notNull(),
    target: text("target").notNull(),
    /** SHA-256 of the full target, so an identical channel is a 409 without storing it in clear */
    fingerprint: text("fingerprint").notNull(),
    secretEnc: text("secret_enc"),
    status: text("status", { enum: CHANNEL_STATUSES }).notNull(),
    statusReason: text("status_reason"),
    isAccountEmail: boolean("is_account_email").notNull().default(false),
    /** set once the target is confirmed (account email, Slack, webhook at creation; other emails by link) */
    verifiedAt: ts("verified_at"),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    deletedAt: ts("deleted_at"),
  },
  (t) => [
    uniqueIndex("channels_user_fingerprint_key").on(t.userId, t.fingerprint).where(sql`${t.deletedAt} is null`),
    index("channels_user_active_idx").on(t.userId).where(sql`${t.status} = 'active' and ${t.deletedAt} is null`),
  ],
);

export type ChannelRow = typeof channels.$inferSelect;
