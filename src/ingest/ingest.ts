import { events } from "../db/schema";
import type { Db } from "../db/types";
import { type ChangeEvent, eventFacts } from "../lib/event-schema";
import type { Logger } from "../lib/log";

type AcceptResult = { duplicate: boolean };

/** Where an accepted event is reported (the `event accepted` line, the ingest histogram). */
interface IngestObserver {
  log: Logger;
  metrics?: { observeIngest(seconds: number): void };
}

/**
 * Accepts an event with one durable write: the row, idempotent by the producer's id (a repeat,
 * also one racing this post, finds the row and changes nothing). Matching and queueing — the
 * fan-out — happen after the answer, in arrival order, in the fan-out worker
 * (ingest/fanout-worker.ts), so a producer's post costs the same whatever the audience.
 */
export async function acceptEvent(
  db: Db,
  e: ChangeEvent,
  rawBody: string,
  now: Date,
  observe?: IngestObserver,
): Promise<AcceptResult> {
  const facts = eventFacts(e);
  const started = performance.now();
  const inserted = await db
    .insert(events)
    .values({
      id: e.id,
      type: e.type,
      occurredAt: new Date(e.occurred_at),
      platformSlug: e.platform.slug,
      documentSlug: e.document.slug,
      severity: e.severity,
      severityRank: facts.severityRank,
      summary: e.summary,
      categories: facts.categories,
      provisionSlugs: facts.provisionSlugs,
      payload: e,
      rawBody,
      receivedAt: now,
    })
    .onConflictDoNothing({ target: events.id })
    .returning({ id: events.id });
  const seconds = (performance.now() - started) / 1000;
  if (inserted.length === 0) {
    observe?.log.debug("event duplicate", { event_id: e.id });
    return { duplicate: true };
  }
  observe?.metrics?.observeIngest(seconds);
  observe?.log.info("event accepted", { event_id: e.id, duration_ms: Math.round(seconds * 1000) });
  return { duplicate: false };
}
