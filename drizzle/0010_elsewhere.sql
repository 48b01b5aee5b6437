CREATE TABLE "event_categories" (
	"category" text NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL,
	"event_id" text NOT NULL,
	"platform_slug" text NOT NULL,
	CONSTRAINT "event_categories_category_received_at_event_id_pk" PRIMARY KEY("category","received_at","event_id")
);
--> statement-breakpoint
-- Written by hand (drizzle-kit does not model triggers): every event's categories, one row each,
-- written by the same INSERT that stores the event, so ingest stays one statement.
CREATE FUNCTION "events_fill_categories"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO "event_categories" ("category", "received_at", "event_id", "platform_slug")
	SELECT DISTINCT c, NEW."received_at", NEW."id", NEW."platform_slug" FROM unnest(NEW."categories") AS c
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "events_fill_categories" AFTER INSERT ON "events" FOR EACH ROW EXECUTE FUNCTION "events_fill_categories"();
--> statement-breakpoint
INSERT INTO "event_categories" ("category", "received_at", "event_id", "platform_slug")
SELECT DISTINCT c, e."received_at", e."id", e."platform_slug" FROM "events" e, unnest(e."categories") AS c
ON CONFLICT DO NOTHING;
