import { type CatalogEntry, documentsOf, platformsMatching } from "../db/queries/catalog";
import type { Db } from "../db/types";
import { slug } from "../lib/event-schema";
import { decodeKeyCursor, keysetPage, type Page } from "../lib/pagination";

/**
 * The catalog (platforms and their documents, grown from events), as the API lists it and the
 * preference page searches it; and the lookups the page's add-by-name form needs.
 */
export type { CatalogEntry, CatalogNames } from "../db/queries/catalog";
export {
  catalogNames,
  closePlatforms,
  documentByTitleOrSlug,
  platformByNameOrSlug,
  platformNames,
} from "../db/queries/catalog";

export interface CatalogQuery {
  /** platforms whose slug or name contains this (case-insensitive); all when empty */
  q?: string;
  /** the previous page's next_cursor: the last slug it showed (anything else is a 400) */
  cursor?: string;
  limit: number;
}

/**
 * One page of the catalog, by platform slug, each platform with its documents by slug.
 *
 * @example const { items, next_cursor } = await loadCatalog(db, { q: "anthro", limit: 25 });
 */
export async function loadCatalog(db: Db, query: CatalogQuery): Promise<Page<CatalogEntry>> {
  const after = decodeKeyCursor(query.cursor, (key) => slug.safeParse(key).success);
  const rows = await platformsMatching(db, { q: query.q, after, limit: query.limit + 1 });
  // Platform slugs are unique and ordered, so the last slug shown is the cursor.
  const p = keysetPage(rows, query.limit, (last) => last.slug);
  const docs = await documentsOf(
    db,
    p.items.map((r) => r.slug),
  );
  const items = p.items.map((r) => ({
    slug: r.slug,
    name: r.name,
    documents: docs.filter((d) => d.platform === r.slug).map((d) => ({ slug: d.slug, title: d.title, url: d.url })),
  }));
  return { items, next_cursor: p.next_cursor };
}
