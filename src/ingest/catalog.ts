import { sql } from "drizzle-orm";
import { documents, platforms, provisions } from "../db/schema";
import type { Db } from "../db/types";
import type { ChangeEvent } from "../lib/event-schema";

/**
 * Grows the catalog from an event: its platform, document and provisions. The catalog is what
 * events have named, newest names winning.
 */
export async function upsertCatalog(db: Db, e: ChangeEvent, now: Date) {
  await db
    .insert(platforms)
    .values({ slug: e.platform.slug, name: e.platform.name, createdAt: now, updatedAt: now })
    // Only a change rewrites a row: an unchanged upsert would still write a new tuple version
    // (most events name a platform, document and provisions the catalog already has).
    .onConflictDoUpdate({
      target: platforms.slug,
      set: { name: e.platform.name, updatedAt: now },
      setWhere: sql`${platforms.name} is distinct from excluded.name`,
    });
  await db
    .insert(documents)
    .values({
      platformSlug: e.platform.slug,
      slug: e.document.slug,
      title: e.document.title,
      url: e.document.url,
      lastUpdated: e.document.last_updated ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: [documents.platformSlug, documents.slug],
      set: { title: e.document.title, url: e.document.url, lastUpdated: e.document.last_updated ?? null, updatedAt: now },
      setWhere: sql`(${documents.title}, ${documents.url}, ${documents.lastUpdated}) is distinct from (excluded.title, excluded.url, excluded.last_updated)`,
    });
  const provs = new Map(e.changes.map((c) => [c.provision.slug, c.provision.title]));
  if (provs.size) {
    await db
      .insert(provisions)
      .values(
        [...provs].map(([slug, title]) => ({
          platformSlug: e.platform.slug,
          documentSlug: e.document.slug,
          slug,
          title,
          createdAt: now,
          updatedAt: now,
        })),
      )
      .onConflictDoUpdate({
        target: [provisions.platformSlug, provisions.documentSlug, provisions.slug],
        set: { title: sql`excluded.title`, updatedAt: now },
        setWhere: sql`${provisions.title} is distinct from excluded.title`,
      });
  }
}
