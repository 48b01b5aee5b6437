import { type EventFilter, type EventListRow, getEvent, listEvents } from "../db/queries/operator-lists";
import type { Db } from "../db/types";
import { notFound } from "../lib/errors";
import { decodeCursor, type Page, page } from "../lib/pagination";

/**
 * The operator's view of received events: each with what its fan-out did (`fanned_out_at`,
 * `matched_users`, `alerts`, `digest_items`). Receiving them is ingest/ingest.ts.
 */
export type { EventFilter, EventListRow } from "../db/queries/operator-lists";

/** Events, newest first by received_at; `cursor` is the previous page's next_cursor. */
export async function eventsPage(
  db: Db,
  filter: EventFilter,
  cursor: string | undefined,
  limit: number,
): Promise<Page<EventListRow>> {
  const rows = await listEvents(db, filter, limit, decodeCursor(cursor));
  return page(rows, limit, (e) => ({ at: e.receivedAt, id: e.id }));
}

/** One event, or 404. */
export async function eventById(db: Db, id: string): Promise<EventListRow> {
  const row = await getEvent(db, id);
  if (!row) throw notFound("event");
  return row;
}
