import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import { idColumn, ts } from "./columns";
import { digests } from "./digests";

/** `notice`: an account message fixed at queue time in `payload` (e.g. "your trial ends soon"). */
export const NOTIFICATION_KINDS = ["alert", "digest", "test", "notice"] as const;
export const NOTIFICATION_STATUSES = ["pending", "sending", "sent", "failed", "suppressed"] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * The outbox: one row per message to one channel. Ingest and the digest planner insert rows;
 * only the dispatcher moves them on (pending → sending under a lease → sent | failed | suppressed).
 */
export const notifications = pgTable(
  "notifications",
  {
    id: idColumn("ntf"),
    /**
     * Both null only for a notice to an address that is no account yet (a sign-up confirmation,
     * services/signup.ts): its payload names the address. The check below keeps it that way.
     *
     * No foreign keys, on purpose (migration 0014): the fan-out opens up to one alert per matched
     * channel, for users and channels it has just selected, and two key checks per row cost about
     * a third of it (bench:fanout). Deleting a user or a channel still deletes its messages:
     * statement-level triggers on users and channels do it once per DELETE. A row whose user or
     * channel went anyway (a delete racing the insert) is composed as "gone" and never sent.
     */
    userId: text("user_id"),
    channelId: text("channel_id"),
    kind: text("kind", { enum: NOTIFICATION_KINDS }).notNull(),
    status: text("status", { enum: NOTIFICATION_STATUSES }).notNull().default("pending"),
    statusReason: text("status_reason"),
    /**
     * An alert collects events while its grouping window is open. At most one open alert per
     * channel (unique partial index below); the dispatcher closes it when it claims the row.
     */
    groupOpen: boolean("group_open").notNull().default(false),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at").notNull(),
    leaseUntil: ts("lease_until"),
    lastError: text("last_error"),
    /** the provider's answer to the last attempt, truncated, for the delivery log */
    lastResponse: text("last_response"),
    providerMessageId: text("provider_message_id"),
    /** the digest this message delivers (kind digest) */
    digestId: text("digest_id").references(() => digests.id, { onDelete: "cascade" }),
    /** extra content fixed at queue time; alerts render from their linked events, digests from their plan */
    payload: jsonb("payload"),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
    sentAt: ts("sent_at"),
  },
  (t) => [
    uniqueIndex("notifications_open_alert_key").on(t.channelId).where(sql`${t.kind} = 'alert' and ${t.groupOpen}`),
    index("notifications_due_idx").on(t.nextAttemptAt).where(sql`${t.status} in ('pending', 'sending')`),
    index("notifications_user_idx").on(t.userId, t.createdAt),
    // the operator's "failures in the last hour" (outbox stats, /metrics) without scanning the outbox
    index("notifications_failed_idx").on(t.updatedAt).where(sql`${t.status} = 'failed'`),
    // the digest foreign key cascades: without this, deleting a digest scans every notification
    index("notifications_digest_idx").on(t.digestId).where(sql`${t.digestId} is not null`),
    // a notice is sent once per user and key (`trial_ending:<trial end>`), also when jobs race
    uniqueIndex("notifications_notice_key").on(t.userId, sql`(${t.payload}->>'key')`).where(sql`${t.kind} = 'notice'`),
    check(
      "notifications_recipient_check",
      sql`(${t.userId} is not null and ${t.channelId} is not null) or (${t.kind} = 'notice' and ${t.payload}->>'notice' = 'signup_confirm')`,
    ),
  ],
);

/** Which events a notification carries (an alert may carry several inside its window). */
export const notificationEvents = pgTable(
  "notification_events",
  {
    /**
     * No foreign keys here, on purpose: links are written only by the fan-out, in the statement
     * that opens or locks their alert, for an event inserted by the same transaction; neither
     * side is ever deleted. The checks would cost two trigger calls per link on the hot path.
     */
    notificationId: text("notification_id").notNull(),
    eventId: text("event_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.notificationId, t.eventId] }), index("notification_events_event_idx").on(t.eventId)],
);

export type NotificationRow = typeof notifications.$inferSelect;
