ALTER TABLE "digest_items" DROP CONSTRAINT "digest_items_event_id_events_id_fk";
--> statement-breakpoint
ALTER TABLE "notification_events" DROP CONSTRAINT "notification_events_notification_id_notifications_id_fk";
--> statement-breakpoint
ALTER TABLE "notification_events" DROP CONSTRAINT "notification_events_event_id_events_id_fk";
--> statement-breakpoint
DROP INDEX "digest_items_event_idx";