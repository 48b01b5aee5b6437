import { index, pgTable, text } from "drizzle-orm/pg-core";
import { idColumn, ts } from "./columns";

export const SIGNUP_PLANS = ["free", "watcher_trial", "professional_trial"] as const;
export type SignupPlan = (typeof SIGNUP_PLANS)[number];

/**
 * A sign-up asked for and not yet confirmed (POST /v1/signup). The confirmation link carries a
 * token signed with the service's key that names this row (lib/tokens, purpose `signup`); no
 * token or hash of one is stored, so a copy of the table confirms nothing. The row is what makes
 * the link single use: confirming sets `used_at` in the statement that checks it is unset.
 */
export const signups = pgTable(
  "signups",
  {
    id: idColumn("sgn"),
    email: text("email").notNull(),
    platform: text("platform"),
    plan: text("plan", { enum: SIGNUP_PLANS }).notNull(),
    timezone: text("timezone"),
    createdAt: ts("created_at").notNull(),
    expiresAt: ts("expires_at").notNull(),
    usedAt: ts("used_at"),
  },
  // the purge of expired requests (services/signup.ts) walks this
  (t) => [index("signups_expires_idx").on(t.expiresAt)],
);

/**
 * One trial per email address, ever: a row per address that has had one, keyed by the same
 * fingerprint channels use (SHA-256 of the lower-cased address), so the rule survives the account.
 */
export const trialGrants = pgTable("trial_grants", {
  fingerprint: text("fingerprint").primaryKey(),
  tier: text("tier", { enum: ["watcher", "professional"] }).notNull(),
  grantedAt: ts("granted_at").notNull(),
});

export type SignupRow = typeof signups.$inferSelect;
