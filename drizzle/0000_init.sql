CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY DEFAULT 'key_' || replace(gen_random_uuid()::text, '-', '') NOT NULL,
	"user_id" text NOT NULL,
	"key_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"platform_slug" text NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"url" text,
	"last_updated" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "documents_platform_slug_slug_pk" PRIMARY KEY("platform_slug","slug")
);
--> statement-breakpoint
CREATE TABLE "platforms" (
	"slug" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provisions" (
	"platform_slug" text NOT NULL,
	"document_slug" text NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "provisions_platform_slug_document_slug_slug_pk" PRIMARY KEY("platform_slug","document_slug","slug")
);
--> statement-breakpoint
CREATE TABLE "channels" (
	"id" text PRIMARY KEY DEFAULT 'chn_' || replace(gen_random_uuid()::text, '-', '') NOT NULL,
	"user_id" text NOT NULL,
	"type" text NOT NULL,
	"target" text NOT NULL,
	"fingerprint" text NOT NULL,
	"secret_enc" text,
	"status" text NOT NULL,
	"status_reason" text,
	"is_account_email" boolean DEFAULT false NOT NULL,
	"verified_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"deleted_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "digest_items" (
	"user_id" text NOT NULL,
	"event_id" text NOT NULL,
	"digest_id" text,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"platform_slug" text NOT NULL,
	"document_slug" text NOT NULL,
	"severity" text NOT NULL,
	"severity_rank" smallint NOT NULL,
	"summary" text NOT NULL,
	"categories" text[] NOT NULL,
	"provision_slugs" text[] NOT NULL,
	"payload" jsonb NOT NULL,
	"raw_body" text NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notification_events" (
	"notification_id" text NOT NULL,
	"event_id" text NOT NULL,
	CONSTRAINT "notification_events_notification_id_event_id_pk" PRIMARY KEY("notification_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" text PRIMARY KEY DEFAULT 'ntf_' || replace(gen_random_uuid()::text, '-', '') NOT NULL,
	"user_id" text NOT NULL,
	"channel_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"status_reason" text,
	"group_open" boolean DEFAULT false NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone NOT NULL,
	"lease_until" timestamp (3) with time zone,
	"last_error" text,
	"provider_message_id" text,
	"payload" jsonb,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"sent_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"email" text PRIMARY KEY NOT NULL,
	"reason" text NOT NULL,
	"source" text,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY DEFAULT 'usr_' || replace(gen_random_uuid()::text, '-', '') NOT NULL,
	"email" text NOT NULL,
	"tier" text DEFAULT 'free' NOT NULL,
	"trial_ends_at" timestamp (3) with time zone,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"digest_day" text DEFAULT 'mon' NOT NULL,
	"digest_hour" smallint DEFAULT 9 NOT NULL,
	"digest_send_when_empty" boolean DEFAULT true NOT NULL,
	"alert_window_minutes" smallint DEFAULT 15 NOT NULL,
	"quiet_start" text,
	"quiet_end" text,
	"alerts_off" boolean DEFAULT false NOT NULL,
	"digests_off" boolean DEFAULT false NOT NULL,
	"next_digest_at" timestamp (3) with time zone,
	"digest_period_start" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "watches" (
	"id" text PRIMARY KEY DEFAULT 'wat_' || replace(gen_random_uuid()::text, '-', '') NOT NULL,
	"user_id" text NOT NULL,
	"platform" text NOT NULL,
	"document" text,
	"provision" text,
	"min_severity" text,
	"min_severity_rank" smallint DEFAULT 0 NOT NULL,
	"categories" text[],
	"fingerprint" text NOT NULL,
	"paused" boolean DEFAULT false NOT NULL,
	"paused_reason" text,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channels" ADD CONSTRAINT "channels_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "digest_items" ADD CONSTRAINT "digest_items_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "digest_items" ADD CONSTRAINT "digest_items_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_events" ADD CONSTRAINT "notification_events_notification_id_notifications_id_fk" FOREIGN KEY ("notification_id") REFERENCES "public"."notifications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_events" ADD CONSTRAINT "notification_events_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watches" ADD CONSTRAINT "watches_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_hash_key" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "api_keys_user_idx" ON "api_keys" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "channels_user_fingerprint_key" ON "channels" USING btree ("user_id","fingerprint") WHERE "channels"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "channels_user_active_idx" ON "channels" USING btree ("user_id") WHERE "channels"."status" = 'active' and "channels"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "digest_items_user_event_key" ON "digest_items" USING btree ("user_id","event_id");--> statement-breakpoint
CREATE INDEX "digest_items_pending_idx" ON "digest_items" USING btree ("user_id") WHERE "digest_items"."digest_id" is null;--> statement-breakpoint
CREATE INDEX "digest_items_event_idx" ON "digest_items" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "events_platform_idx" ON "events" USING btree ("platform_slug","occurred_at");--> statement-breakpoint
CREATE INDEX "events_received_idx" ON "events" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "notification_events_event_idx" ON "notification_events" USING btree ("event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_open_alert_key" ON "notifications" USING btree ("channel_id") WHERE "notifications"."kind" = 'alert' and "notifications"."group_open";--> statement-breakpoint
CREATE INDEX "notifications_due_idx" ON "notifications" USING btree ("next_attempt_at") WHERE "notifications"."status" in ('pending', 'sending');--> statement-breakpoint
CREATE INDEX "notifications_user_idx" ON "notifications" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "users_next_digest_idx" ON "users" USING btree ("next_digest_at");--> statement-breakpoint
CREATE INDEX "users_trial_idx" ON "users" USING btree ("trial_ends_at") WHERE "users"."trial_ends_at" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "watches_user_fingerprint_key" ON "watches" USING btree ("user_id","fingerprint");--> statement-breakpoint
CREATE INDEX "watches_platform_active_idx" ON "watches" USING btree ("platform","user_id") WHERE not "watches"."paused";--> statement-breakpoint
CREATE INDEX "watches_user_idx" ON "watches" USING btree ("user_id","created_at");