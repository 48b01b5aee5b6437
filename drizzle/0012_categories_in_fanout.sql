-- Written by hand (drizzle-kit does not model triggers). event_categories is filled by the fan-out
-- worker (ingest/fanout-worker.ts), in the transaction that fans the events out, instead of by a
-- trigger on the events INSERT: the trigger doubled the cost of ingest's one INSERT
-- (138 → 275 µs per event), and ingest is what the producer waits for.
DROP TRIGGER IF EXISTS "events_fill_categories" ON "events";
--> statement-breakpoint
DROP FUNCTION IF EXISTS "events_fill_categories"();
--> statement-breakpoint
INSERT INTO "event_categories" ("category", "received_at", "event_id", "platform_slug")
SELECT DISTINCT c, e."received_at", e."id", e."platform_slug" FROM "events" e, unnest(e."categories") AS c
ON CONFLICT DO NOTHING;
