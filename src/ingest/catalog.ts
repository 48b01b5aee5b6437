import { sql } from "drizzle-orm";
import { instant } from "../db/sql";
import { type Db, jsonRecords } from "../db/types";
import type { ChangeEvent } from "../lib/event-schema";

/** The newest value per key: later entries replace earlier ones, as later events' names win. */
const newestBy = <T>(items: T[], key: (t: T) => string) => [...new Map(items.map((t) => [key(t), t])).values()];

/**
 * Grows the catalog from a batch of events (in arrival order): their platforms, documents and
 * provisions, in one statement whatever the batch size (three upserts as CTEs: one round trip
 * instead of three, which a lone event's alert waits for; the CTEs run unreferenced). The catalog is what events have named,
 * newest names winning. Each key appears once per upsert (an upsert may not touch a row twice),
 * carrying its newest name. Only a change rewrites a row: an unchanged upsert would still write a
 * new tuple version, and most events name a platform, document and provisions the catalog has.
 */
export async function upsertCatalog(db: Db, batch: ChangeEvent[], at: Date) {
  if (batch.length === 0) return;
  const now = instant(at);
  const platformRows = newestBy(batch, (e) => e.platform.slug).map((e) => ({ slug: e.platform.slug, name: e.platform.name }));
  const documentRows = newestBy(batch, (e) => `${e.platform.slug}\n${e.document.slug}`).map((e) => ({
    platform_slug: e.platform.slug,
    slug: e.document.slug,
    title: e.document.title,
    url: e.document.url ?? null,
    last_updated: e.document.last_updated ?? null,
  }));
  const provisionRows = newestBy(
    batch.flatMap((e) =>
      e.changes.map((c) => ({
        platform_slug: e.platform.slug,
        document_slug: e.document.slug,
        slug: c.provision.slug,
        title: c.provision.title,
      })),
    ),
    (p) => `${p.platform_slug}\n${p.document_slug}\n${p.slug}`,
  );
  await db.execute(sql`with p as (
      insert into platforms (slug, name, created_at, updated_at)
      select v.slug, v.name, ${now}, ${now} from ${jsonRecords(platformRows, "v(slug text, name text)")}
      on conflict (slug) do update set name = excluded.name, updated_at = ${now}
      where platforms.name is distinct from excluded.name
    ),
    d as (
      insert into documents (platform_slug, slug, title, url, last_updated, created_at, updated_at)
      select v.platform_slug, v.slug, v.title, v.url, v.last_updated, ${now}, ${now}
      from ${jsonRecords(documentRows, "v(platform_slug text, slug text, title text, url text, last_updated text)")}
      on conflict (platform_slug, slug) do update
      set title = excluded.title, url = excluded.url, last_updated = excluded.last_updated, updated_at = ${now}
      where (documents.title, documents.url, documents.last_updated)
        is distinct from (excluded.title, excluded.url, excluded.last_updated)
    ),
    r as (
      insert into provisions (platform_slug, document_slug, slug, title, created_at, updated_at)
      select v.platform_slug, v.document_slug, v.slug, v.title, ${now}, ${now}
      from ${jsonRecords(provisionRows, "v(platform_slug text, document_slug text, slug text, title text)")}
      on conflict (platform_slug, document_slug, slug) do update set title = excluded.title, updated_at = ${now}
      where provisions.title is distinct from excluded.title
    )
    select 1`);
}
