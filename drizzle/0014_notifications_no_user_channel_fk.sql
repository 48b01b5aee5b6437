-- notifications.user_id and .channel_id lose their foreign keys: the fan-out opens up to one alert
-- per matched channel, for users and channels it has just selected, and two key checks per row
-- cost about a third of it (bench:fanout). The cascades they gave are kept by statement-level
-- triggers (written by hand: drizzle-kit does not model triggers), once per DELETE, as 0013 did
-- for digest_items.
ALTER TABLE "notifications" DROP CONSTRAINT "notifications_user_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "notifications" DROP CONSTRAINT "notifications_channel_id_channels_id_fk";
--> statement-breakpoint
CREATE FUNCTION "users_delete_notifications"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "notifications" n USING "gone_users" g WHERE n."user_id" = g."id";
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "users_delete_notifications" AFTER DELETE ON "users"
  REFERENCING OLD TABLE AS "gone_users" FOR EACH STATEMENT EXECUTE FUNCTION "users_delete_notifications"();
--> statement-breakpoint
CREATE FUNCTION "channels_delete_notifications"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "notifications" n USING "gone_channels" g WHERE n."channel_id" = g."id";
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "channels_delete_notifications" AFTER DELETE ON "channels"
  REFERENCING OLD TABLE AS "gone_channels" FOR EACH STATEMENT EXECUTE FUNCTION "channels_delete_notifications"();
