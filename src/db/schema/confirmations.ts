import { index, pgTable, text } from "drizzle-orm/pg-core";
import { ts } from "./columns";

/**
 * Every confirmation email queued to an address (channel confirmations and sign-up
 * confirmations alike), keyed by the lower-cased address: the cap of three per address per
 * 24 hours counts across all users, so one account cannot make the service mail a stranger
 * without end by adding and deleting the same address.
 */
export const confirmationSends = pgTable(
  "confirmation_sends",
  {
    address: text("address").notNull(),
    sentAt: ts("sent_at").notNull(),
  },
  (t) => [index("confirmation_sends_address_idx").on(t.address, t.sentAt)],
);

/**
 * Addresses whose owner used the unsubscribe link of a confirmation email: they get no further
 * confirmation emails from anyone (a channel added for one is created `disabled`,
 * `recipient_opted_out`).
 */
export const confirmationOptouts = pgTable("confirmation_optouts", {
  address: text("address").primaryKey(),
  createdAt: ts("created_at").notNull(),
});
