-- digest_items.user_id loses its foreign key: the fan-out inserts one row per user it has just
-- selected from users, so the per-row check protected nothing and cost a quarter of the fan-out
-- (bench:fanout). The cascade it gave is kept by a statement-level trigger (written by hand:
-- drizzle-kit does not model triggers) that deletes a deleted user's items once per DELETE.
ALTER TABLE "digest_items" DROP CONSTRAINT "digest_items_user_id_users_id_fk";
--> statement-breakpoint
CREATE FUNCTION "users_delete_digest_items"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "digest_items" d USING "gone_users" g WHERE d."user_id" = g."id";
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "users_delete_digest_items" AFTER DELETE ON "users"
  REFERENCING OLD TABLE AS "gone_users" FOR EACH STATEMENT EXECUTE FUNCTION "users_delete_digest_items"();
