import { and, asc, eq, gt, ilike, inArray, or, sql } from "drizzle-orm";
import { documents, platforms, provisions } from "../schema";
import type { Db } from "../types";

/**
 * The catalog's queries: platforms and their documents (a search, a page), the names behind the
 * slugs a user watches, and "which platform did the person mean" for the add-by-name form.
 */
export interface CatalogEntry {
  slug: string;
  name: string;
  documents: { slug: string; title: string; url: string | null }[];
}

export interface CatalogDocument {
  platform: string;
  slug: string;
  title: string;
  url: string | null;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/** Platforms whose slug or name contains `q` (all when empty), after the slug `after`, by slug. */
export function platformsMatching(
  db: Db,
  o: { q?: string; after?: string; limit: number },
): Promise<{ slug: string; name: string }[]> {
  const like = `%${likeEscape(o.q ?? "")}%`;
  return db
    .select({ slug: platforms.slug, name: platforms.name })
    .from(platforms)
    .where(
      and(
        o.q ? or(ilike(platforms.slug, like), ilike(platforms.name, like)) : undefined,
        o.after ? gt(platforms.slug, o.after) : undefined,
      ),
    )
    .orderBy(asc(platforms.slug))
    .limit(o.limit);
}

/** The documents of these platforms, by slug. */
export function documentsOf(db: Db, platformSlugs: string[]): Promise<CatalogDocument[]> {
  if (platformSlugs.length === 0) return Promise.resolve([]);
  return db
    .select({ platform: documents.platformSlug, slug: documents.slug, title: documents.title, url: documents.url })
    .from(documents)
    .where(inArray(documents.platformSlug, platformSlugs))
    .orderBy(asc(documents.slug));
}

/** Display names for slugs: platform → name, "platform/document" → title, "platform/document/provision" → title. */
export type CatalogNames = Map<string, string>;

export async function catalogNames(db: Db, platformSlugs: string[]): Promise<CatalogNames> {
  const names: CatalogNames = new Map();
  const slugs = [...new Set(platformSlugs)].filter((s) => s !== "*");
  if (slugs.length === 0) return names;
  const [ps, ds, vs] = await Promise.all([
    db.select({ slug: platforms.slug, name: platforms.name }).from(platforms).where(inArray(platforms.slug, slugs)),
    db
      .select({ p: documents.platformSlug, slug: documents.slug, title: documents.title })
      .from(documents)
      .where(inArray(documents.platformSlug, slugs)),
    db
      .select({ p: provisions.platformSlug, d: provisions.documentSlug, slug: provisions.slug, title: provisions.title })
      .from(provisions)
      .where(inArray(provisions.platformSlug, slugs)),
  ]);
  for (const p of ps) names.set(p.slug, p.name);
  for (const d of ds) names.set(`${d.p}/${d.slug}`, d.title);
  for (const v of vs) names.set(`${v.p}/${v.d}/${v.slug}`, v.title);
  return names;
}

/** Names for the add-by-name form's suggestions (a `<datalist>`), alphabetical. */
export async function platformNames(db: Db, limit: number): Promise<{ slug: string; name: string }[]> {
  return db.select({ slug: platforms.slug, name: platforms.name }).from(platforms).orderBy(asc(platforms.name)).limit(limit);
}

/** The platform whose slug or name is `input`, compared case-insensitively; null when none is. */
export async function platformByNameOrSlug(db: Db, input: string): Promise<{ slug: string; name: string } | null> {
  const exact = input.trim().toLowerCase();
  const [row] = await db
    .select({ slug: platforms.slug, name: platforms.name })
    .from(platforms)
    .where(or(eq(platforms.slug, exact), eq(sql`lower(${platforms.name})`, exact)))
    .orderBy(sql`${platforms.slug} = ${exact} desc`, asc(platforms.slug))
    .limit(1);
  return row ?? null;
}

/** The document of `platform` whose slug or title is `input` (case-insensitive); null when none is. */
export async function documentByTitleOrSlug(db: Db, platform: string, input: string): Promise<string | null> {
  const exact = input.trim().toLowerCase();
  const [row] = await db
    .select({ slug: documents.slug })
    .from(documents)
    .where(and(eq(documents.platformSlug, platform), or(eq(documents.slug, exact), eq(sql`lower(${documents.title})`, exact))))
    .limit(1);
  return row?.slug ?? null;
}

/**
 * Up to `limit` platforms that look like `input`: names or slugs sharing a word of three letters
 * or more with it, closest first (edit distance on the lower-cased name). For "did you mean".
 */
export async function closePlatforms(db: Db, input: string, limit = 3): Promise<{ slug: string; name: string }[]> {
  const words = input
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 3)
    .slice(0, 5);
  const probes = [
    ...words.map((w) => w.slice(0, 4)),
    input
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "")
      .slice(0, 4),
  ].filter((w) => w.length >= 3);
  if (probes.length === 0) return [];
  const rows = await db
    .select({ slug: platforms.slug, name: platforms.name })
    .from(platforms)
    .where(
      or(...probes.flatMap((p) => [ilike(platforms.name, `%${likeEscape(p)}%`), ilike(platforms.slug, `%${likeEscape(p)}%`)])),
    )
    .orderBy(asc(platforms.slug))
    .limit(50);
  const target = input.toLowerCase();
  return rows
    .map((r) => ({ r, d: Math.min(distance(target, r.name.toLowerCase()), distance(target, r.slug)) }))
    .sort((a, b) => a.d - b.d || a.r.name.localeCompare(b.r.name))
    .slice(0, limit)
    .map((x) => x.r);
}

/** Levenshtein distance, two rows at a time (inputs are at most 100 characters). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}
