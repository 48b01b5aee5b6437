ALTER TABLE "events" ADD COLUMN "fanned_out_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "matched_users" integer;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "alerts" integer;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "digest_items" integer;