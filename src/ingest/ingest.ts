import { eq, sql } from "drizzle-orm";
import { events } from "../db/schema";
import type { Db } from "../db/types";
import type { Logger } from "../lib/log";
import { upsertCatalog } from "./catalog";
import { type ChangeEvent, eventFacts } from "./event-schema";
import { type FanoutResult, fanOut } from "./fanout";

export type IngestResult = { duplicate: true } | ({ duplicate: false } & FanoutResult);

/** Where an accepted event is reported (the `event accepted` line, the ingest histogram). */
export interface IngestObserver {
  log: Logger;
  metrics?: { observeIngest(seconds: number): void };
}

/**
 * Stores an event, grows the catalog and fans out, all in one transaction: either everything an
 * event causes is written, or nothing is. A repeated producer id changes nothing, also when two
 * posts race (the second waits on the primary key, then finds the row).
 */
export async function ingestEvent(
  db: Db,
  e: ChangeEvent,
  rawBody: string,
  now: Date,
  observe?: IngestObserver,
): Promise<IngestResult> {
  const facts = eventFacts(e);
  const started = performance.now();
  const result = await db.transaction(async (tx) => {
    const inserted = await tx
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
    if (inserted.length === 0) return { duplicate: true } as const;

    await upsertCatalog(tx, e, now);
    const result = await fanOut(tx, {
      eventId: e.id,
      platform: e.platform.slug,
      document: e.document.slug,
      facts,
      now,
    });
    // what the fan-out did, for the operator's event view
    await tx
      .update(events)
      .set({ fannedOutAt: now, matchedUsers: result.matchedUsers, alerts: result.alerts, digestItems: result.digestItems })
      .where(eq(events.id, e.id));
    return { duplicate: false, ...result } as const;
  });
  // after the commit: only an event that is really stored counts as accepted
  const seconds = (performance.now() - started) / 1000;
  if (result.duplicate) observe?.log.debug("event duplicate", { event_id: e.id });
  else {
    observe?.metrics?.observeIngest(seconds);
    observe?.log.info("event accepted", {
      event_id: e.id,
      duration_ms: Math.round(seconds * 1000),
      matched_users: result.matchedUsers,
      alerts: result.alerts,
      digest_items: result.digestItems,
    });
  }
  return result;
}
