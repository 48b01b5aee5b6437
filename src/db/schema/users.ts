import { sql } from "drizzle-orm";
import { boolean, index, integer, pgTable, smallint, text, uniqueIndex } from "drizzle-orm/pg-core";
import { idColumn, ts } from "./columns";

export const users = pgTable(
  "users",
  {
    id: idColumn("usr"),
    email: text("email").notNull(),
    tier: text("tier", { enum: ["free", "watcher", "professional"] })
      .notNull()
      .default("free"),
    trialEndsAt: ts("trial_ends_at"),
    /** the tier a trial lifts a free user to while `trial_ends_at` is ahead (kept, like it, as history) */
    trialTier: text("trial_tier", { enum: ["watcher", "professional"] }),
    /**
     * When the trial job last applied the user's own tier after a trial ended. Kept apart from
     * `trial_ends_at` (which stays, as history): a trial the operator extends past this instant is
     * due again when it ends.
     */
    trialProcessedAt: ts("trial_processed_at"),
    timezone: text("timezone").notNull().default("UTC"),
    digestDay: text("digest_day", { enum: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] })
      .notNull()
      .default("mon"),
    digestHour: smallint("digest_hour").notNull().default(9),
    digestSendWhenEmpty: boolean("digest_send_when_empty").notNull().default(true),
    alertWindowMinutes: smallint("alert_window_minutes").notNull().default(15),
    quietStart: text("quiet_start"),
    quietEnd: text("quiet_end"),
    /** unsubscribe scopes: the links in messages flip these */
    alertsOff: boolean("alerts_off").notNull().default(false),
    digestsOff: boolean("digests_off").notNull().default(false),
    /** the next digest instant, so the planner is one indexed query */
    nextDigestAt: ts("next_digest_at"),
    /** the open digest period starts here (sign-up, then the end of the previous digest) */
    digestPeriodStart: ts("digest_period_start"),
    /**
     * Sign-in links carry the epoch they were issued under; "sign out everywhere" bumps it, which
     * voids every link issued before (the links are stateless, so this is what revokes them).
     */
    sessionEpoch: integer("session_epoch").notNull().default(0),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("users_email_key").on(sql`lower(${t.email})`),
    index("users_next_digest_idx").on(t.nextDigestAt),
    index("users_trial_idx").on(t.trialEndsAt).where(sql`${t.trialEndsAt} is not null`),
    // the trial job's per-minute question, "which ended trials are not yet processed?", stays small
    index("users_trial_due_idx")
      .on(t.trialEndsAt)
      .where(sql`${t.trialProcessedAt} is null or ${t.trialProcessedAt} < ${t.trialEndsAt}`),
  ],
);

export type UserRow = typeof users.$inferSelect;
