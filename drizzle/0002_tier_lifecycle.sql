CREATE TABLE "audit_exports" (
	"id" text PRIMARY KEY DEFAULT 'aex_' || replace(gen_random_uuid()::text, '-', '') NOT NULL,
	"user_id" text NOT NULL,
	"format" text NOT NULL,
	"since" timestamp (3) with time zone,
	"until" timestamp (3) with time zone,
	"status" text DEFAULT 'pending' NOT NULL,
	"rows" integer DEFAULT 0 NOT NULL,
	"bytes" bigint DEFAULT 0 NOT NULL,
	"sha256" text,
	"hmac" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"completed_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "trial_processed_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "audit_exports" ADD CONSTRAINT "audit_exports_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_exports_user_idx" ON "audit_exports" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_notice_key" ON "notifications" USING btree ("user_id",("payload"->>'key')) WHERE "notifications"."kind" = 'notice';--> statement-breakpoint
CREATE INDEX "users_trial_due_idx" ON "users" USING btree ("trial_ends_at") WHERE "users"."trial_processed_at" is null or "users"."trial_processed_at" < "users"."trial_ends_at";