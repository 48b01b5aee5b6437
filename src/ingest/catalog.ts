import { sql } from "drizzle-orm";
import { documents, platforms, provisions } from "../db/schema";
import type { Db } from "../db/types";
import type { ChangeEvent } from "../lib/event-schema";

/** The newest value per key: later entries replace earlier ones, as later events' names win. */
const newestBy = <T>(items: T[], key: (t: T) => string) => [...new Map(items.map((t) => [key(t), t])).values()];

/**
 * Grows the catalog from a batch of events (in arrival order): their platforms, documents and
 * provisions, one statement per table whatever the batch size. The catalog is what events have
 * named, newest names winning. Each key appears once per statement (an upsert may not touch a row
 * twice), carrying its newest name.
 */
export async function upsertCatalog(db: Db, batch: ChangeEvent[], now: Date) {
  if (batch.length === 0) return;
  const platformRows = newestBy(batch, (e) => e.platform.slug).map((e) => ({
    slug: e.platform.slug,
    name: e.platform.name,
    createdAt: now,
    updatedAt: now,
  }));
  await db
    .insert(platforms)
    .values(platformRows)
    // Only a change rewrites a row: an unchanged upsert would still write a new tuple version
    // (most events name a platform, document and provisions the catalog already has).
    .onConflictDoUpdate({
      target: platforms.slug,
      set: { name: sql`excluded.name`, updatedAt: now },
      setWhere: sql`${platforms.name} is distinct from excluded.name`,
    });
  const documentRows = newestBy(batch, (e) => `${e.platform.slug}\n${e.document.slug}`).map((e) => ({
    platformSlug: e.platform.slug,
    slug: e.document.slug,
    title: e.document.title,
    url: e.document.url,
    lastUpdated: e.document.last_updated ?? null,
    createdAt: now,
    updatedAt: now,
  }));
  await db
    .insert(documents)
    .values(documentRows)
    .onConflictDoUpdate({
      target: [documents.platformSlug, documents.slug],
      set: { title: sql`excluded.title`, url: sql`excluded.url`, lastUpdated: sql`excluded.last_updated`, updatedAt: now },
      setWhere: sql`(${documents.title}, ${documents.url}, ${documents.lastUpdated}) is distinct from (excluded.title, excluded.url, excluded.last_updated)`,
    });
  const provisionRows = newestBy(
    batch.flatMap((e) =>
      e.changes.map((c) => ({
        platformSlug: e.platform.slug,
        documentSlug: e.document.slug,
        slug: c.provision.slug,
        title: c.provision.title,
        createdAt: now,
        updatedAt: now,
      })),
    ),
    (p) => `${p.platformSlug}\n${p.documentSlug}\n${p.slug}`,
  );
  if (provisionRows.length === 0) return;
  await db
    .insert(provisions)
    .values(provisionRows)
    .onConflictDoUpdate({
      target: [provisions.platformSlug, provisions.documentSlug, provisions.slug],
      set: { title: sql`excluded.title`, updatedAt: now },
      setWhere: sql`${provisions.title} is distinct from excluded.title`,
    });
}
