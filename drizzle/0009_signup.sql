CREATE TABLE "signups" (
	"id" text PRIMARY KEY DEFAULT 'sgn_' || replace(gen_random_uuid()::text, '-', '') NOT NULL,
	"email" text NOT NULL,
	"platform" text,
	"plan" text NOT NULL,
	"timezone" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "trial_grants" (
	"fingerprint" text PRIMARY KEY NOT NULL,
	"tier" text NOT NULL,
	"granted_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notifications" ALTER COLUMN "user_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "notifications" ALTER COLUMN "channel_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "trial_tier" text;--> statement-breakpoint
CREATE INDEX "signups_expires_idx" ON "signups" USING btree ("expires_at");--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_recipient_check" CHECK (("notifications"."user_id" is not null and "notifications"."channel_id" is not null) or ("notifications"."kind" = 'notice' and "notifications"."payload"->>'notice' = 'signup_confirm'));--> statement-breakpoint
-- Written by hand: every trial so far was a Watcher trial, and each counts as its address's one trial
-- (the fingerprint is db/queries/users.ts `emailFingerprint`).
UPDATE "users" SET "trial_tier" = 'watcher' WHERE "trial_ends_at" IS NOT NULL;--> statement-breakpoint
INSERT INTO "trial_grants" ("fingerprint", "tier", "granted_at")
SELECT encode(sha256(convert_to('email:' || lower("email"), 'UTF8')), 'hex'), 'watcher', "created_at"
FROM "users" WHERE "trial_ends_at" IS NOT NULL
ON CONFLICT DO NOTHING;
