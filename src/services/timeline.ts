import { type TimelineFilter, type TimelineRow, timelinePage } from "../db/queries/timeline";
import type { Db } from "../db/types";
import { decodeTimelineCursor, encodeTimelineCursor, keysetPage, type Page } from "../lib/pagination";

/** The governance timeline (Professional): the changes to what the user watches, newest first. */
export type { TimelineFilter, TimelineRow } from "../db/queries/timeline";

const instant = (v: Date | string) => (v instanceof Date ? v : new Date(v));

/** A page of the user's timeline; `cursor` is the previous page's next_cursor. */
export async function userTimeline(
  db: Db,
  userId: string,
  filter: TimelineFilter,
  cursor: string | undefined,
  limit: number,
): Promise<Page<TimelineRow>> {
  const found = await timelinePage(db, userId, filter, decodeTimelineCursor(cursor), limit);
  return keysetPage(found, limit, (last) =>
    encodeTimelineCursor({ at: instant(last.occurred_at), eventId: last.event_id, ord: last.ord }),
  );
}
