import { type SQL, sql } from "drizzle-orm";
import type { TimelineKey } from "../../lib/pagination";
import { instant } from "../sql";
import { type Db, rows } from "../types";

export type { TimelineKey } from "../../lib/pagination";

export interface TimelineFilter {
  platform?: string;
  document?: string;
  provision?: string;
  since?: Date;
}

/** One row per provision change (or per event without changes), as the route renders it. */
export interface TimelineRow {
  event_id: string;
  ord: number;
  type: "document.changed" | "document.added" | "document.removed";
  occurred_at: Date | string;
  event_severity: string;
  event_summary: string;
  platform: { slug: string; name: string };
  document: { slug: string; title: string; url: string };
  evidence: { source_url: string; archive_url?: string; content_sha256: string; captured_at: string };
  /** the change as posted, null for the item of an event without changes */
  change: {
    provision: { slug: string; title: string };
    kind: "added" | "removed" | "modified";
    severity?: string;
    summary: string;
    before?: string;
    after?: string;
    categories?: string[];
    regulations?: string[];
  } | null;
}

/**
 * A page of the user's timeline: the events they matched (digest_items is the per-user record of
 * every match, kept after digests take them), one row per change, newest event first.
 *
 * Each event yields at least one row (an event without changes yields one; with a provision
 * filter only events touching that provision qualify), so `limit + 2` events — the cursor's own
 * event may have nothing left — always fill a page: the inner query sorts only the user's
 * matches, and only a page's worth of events is ever exploded into changes.
 */
export async function timelinePage(db: Db, userId: string, f: TimelineFilter, after: TimelineKey | undefined, limit: number) {
  const conds: SQL[] = [sql`di.user_id = ${userId}`];
  if (f.platform) conds.push(sql`e.platform_slug = ${f.platform}`);
  if (f.document) conds.push(sql`e.document_slug = ${f.document}`);
  if (f.provision) conds.push(sql`${f.provision} = any(e.provision_slugs)`);
  if (f.since) conds.push(sql`e.occurred_at >= ${instant(f.since)}`);
  if (after) conds.push(sql`(e.occurred_at, e.id) <= (${instant(after.at)}, ${after.eventId})`);
  const itemAfter = after
    ? sql`and ((m.occurred_at, m.id) < (${instant(after.at)}, ${after.eventId}) or (m.id = ${after.eventId} and ch.ord > ${after.ord}))`
    : sql``;
  const provision = f.provision ? sql`and ch.change->'provision'->>'slug' = ${f.provision}` : sql``;
  return rows<TimelineRow>(
    db,
    sql`with m as (
        select e.id, e.type, e.occurred_at, e.severity, e.summary, e.payload
        from digest_items di join events e on e.id = di.event_id
        where ${sql.join(conds, sql` and `)}
        order by e.occurred_at desc, e.id desc
        limit ${limit + 2}
      )
      select m.id as event_id, ch.ord::int as ord, m.type, m.occurred_at, m.severity as event_severity, m.summary as event_summary,
             jsonb_build_object('slug', m.payload->'platform'->>'slug', 'name', m.payload->'platform'->>'name') as platform,
             jsonb_build_object('slug', m.payload->'document'->>'slug', 'title', m.payload->'document'->>'title',
                                'url', m.payload->'document'->>'url') as document,
             m.payload->'evidence' as evidence,
             ch.change
      from m
      cross join lateral (
        select c.value as change, c.ord from jsonb_array_elements(m.payload->'changes') with ordinality as c(value, ord)
        union all
        select null::jsonb, 0 where jsonb_array_length(m.payload->'changes') = 0
      ) ch
      where true ${provision} ${itemAfter}
      order by m.occurred_at desc, m.id desc, ch.ord asc
      limit ${limit + 1}`,
  );
}
