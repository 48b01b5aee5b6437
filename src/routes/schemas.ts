import { z } from "@hono/zod-openapi";
import { slug } from "../lib/event-schema";
import { SEVERITIES, TIERS, TRIAL_TIERS } from "../lib/tiers";
import { DAYS, isValidTimeZone } from "../lib/time";

export const TierSchema = z.enum(TIERS);
export const timezone = z.string().max(64).refine(isValidTimeZone, "must be an IANA time zone name such as Europe/Berlin");
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24 h)");

export const UserSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    tier: TierSchema,
    effective_tier: TierSchema,
    trial_tier: z.enum(TRIAL_TIERS).nullable().openapi({
      description: "The tier a trial lifts a free user to until `trial_ends_at` (kept, like it, once the trial is over)",
    }),
    trial_ends_at: z.string().nullable(),
    timezone: z.string(),
    digest: z.object({ day: z.enum(DAYS), hour: z.number().int(), send_when_empty: z.boolean() }),
    alerts: z.object({
      window_minutes: z.number().int(),
      quiet_hours: z.object({ start: z.string(), end: z.string() }).nullable(),
    }),
    created_at: z.string(),
  })
  .openapi("User");

export const DigestPrefs = z
  .object({ day: z.enum(DAYS), hour: z.number().int().min(0).max(23), send_when_empty: z.boolean() })
  .partial()
  .strict();

export const AlertPrefs = z
  .object({
    window_minutes: z.number().int().min(0).max(720),
    quiet_hours: z.object({ start: hhmm, end: hhmm }).strict().nullable(),
  })
  .partial()
  .strict();

export const WatchSchema = z
  .object({
    id: z.string(),
    platform: z.string(),
    document: z.string().nullable(),
    provision: z.string().nullable(),
    min_severity: z.enum(SEVERITIES).nullable(),
    categories: z.array(z.string()).nullable(),
    paused: z.boolean(),
    paused_reason: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("Watch");

export const platformRef = z.union([slug, z.literal("*")]);

export const ChannelSchema = z
  .object({
    id: z.string(),
    type: z.enum(["email", "slack", "webhook"]),
    target: z.string(),
    status: z.enum(["active", "pending_verification", "disabled", "paused"]),
    status_reason: z.string().nullable(),
    created_at: z.string(),
    signing_secret: z.string().optional().openapi({ description: "webhook channels, in the creation answer only" }),
  })
  .openapi("Channel");
