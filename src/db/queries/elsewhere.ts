import { type SQL, sql } from "drizzle-orm";
import { type Db, jsonRecords, rows } from "../types";

/** One question: changes of platforms other than `platform` in `category`, stored by `as_of`. */
export interface ElsewhereKey {
  platform: string;
  category: string;
  /** ISO instant: only events received by then count, so a retry sees what the first try saw */
  as_of: string;
}

/** A stored change of another platform that carries the key's category. */
export interface ElsewhereCandidate extends ElsewhereKey {
  event_id: string;
  platform_slug: string;
  platform_name: string;
  document_slug: string;
  document_title: string;
  document_url: string;
  provision_slug: string;
  provision_title: string;
  /** the change's own severity, else its event's */
  severity: string;
  excerpt: string;
  received_at: string;
  occurred_at: string;
}

/** Events looked at per key: "the latest stored changes", enough for 3 platforms after de-duplication. */
const ELSEWHERE_SCAN = 15;
/** Characters of wording kept per candidate (the renderers clip further). */
const EXCERPT_CHARS = 400;

/**
 * The latest stored changes of other platforms per (platform, category, as_of), in one statement
 * for any number of keys (compose asks once per batch of notifications).
 *
 * Per key, a LATERAL walks the primary key of `event_categories` (category, received_at, event_id)
 * backwards from `as_of`, skipping the key's own platform, and stops after ELSEWHERE_SCAN events;
 * only those events' payloads are read (by primary key) and unnested, keeping the changes that
 * carry the category. Only the fields the summary shows leave the database: `before`/`after` can
 * be 100,000 characters each.
 *
 * EXPLAIN (100,000 events, PostgreSQL 17), per key:
 *   Nested Loop
 *     -> Limit -> Index Scan Backward using event_categories_category_received_at_event_id_pk
 *          Index Cond: ((category = k.category) AND (received_at <= k.as_of))
 *          Filter: (platform_slug <> k.platform)
 *     -> Index Scan using events_pkey on events x  Index Cond: (id = ec.event_id)
 *     -> Function Scan on jsonb_array_elements c  Filter: ((c.value -> 'categories') ? k.category)
 */
export async function elsewhereCandidates(db: Db, keys: readonly ElsewhereKey[]): Promise<ElsewhereCandidate[]> {
  if (keys.length === 0) return [];
  return rows<ElsewhereCandidate>(db, elsewhereSql(keys));
}

/** The statement alone, for EXPLAIN in the benchmark. */
export const elsewhereSql = (keys: readonly ElsewhereKey[]): SQL =>
  sql`with k as (select distinct platform, category, as_of from ${jsonRecords(keys, "k(platform text, category text, as_of timestamptz)")})
      select k.platform, k.category, k.as_of::text as as_of,
        e.id as event_id, e.platform_slug,
        coalesce(e.payload->'platform'->>'name', e.platform_slug) as platform_name,
        e.document_slug,
        coalesce(e.payload->'document'->>'title', e.document_slug) as document_title,
        coalesce(e.payload->'document'->>'url', '') as document_url,
        c.value->'provision'->>'slug' as provision_slug,
        coalesce(c.value->'provision'->>'title', c.value->'provision'->>'slug') as provision_title,
        coalesce(c.value->>'severity', e.severity) as severity,
        left(coalesce(nullif(c.value->>'after', ''), c.value->>'summary'), ${EXCERPT_CHARS}) as excerpt,
        e.received_at::text as received_at, e.occurred_at::text as occurred_at
      from k
      cross join lateral (
        select x.id, x.platform_slug, x.document_slug, x.severity, x.payload, x.received_at, x.occurred_at
        from (
          select ec.event_id from event_categories ec
          where ec.category = k.category and ec.received_at <= k.as_of and ec.platform_slug <> k.platform
          order by ec.received_at desc, ec.event_id desc
          limit ${ELSEWHERE_SCAN}
        ) ec
        join events x on x.id = ec.event_id
      ) e
      cross join lateral jsonb_array_elements(e.payload->'changes') c
      where c.value->'categories' ? k.category`;
