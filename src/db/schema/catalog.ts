import { pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import { ts } from "./columns";

/** The catalog grows from events; nothing is pre-registered, so watches name slugs, not foreign keys. */
export const platforms = pgTable("platforms", {
  slug: text("slug").primaryKey(),
  name: text("name").notNull(),
  createdAt: ts("created_at").notNull(),
  updatedAt: ts("updated_at").notNull(),
});

export const documents = pgTable(
  "documents",
  {
    platformSlug: text("platform_slug").notNull(),
    slug: text("slug").notNull(),
    title: text("title").notNull(),
    url: text("url"),
    lastUpdated: text("last_updated"),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.platformSlug, t.slug] })],
);

export const provisions = pgTable(
  "provisions",
  {
    platformSlug: text("platform_slug").notNull(),
    documentSlug: text("document_slug").notNull(),
    slug: text("slug").notNull(),
    title: text("title").notNull(),
    createdAt: ts("created_at").notNull(),
    updatedAt: ts("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.platformSlug, t.documentSlug, t.slug] })],
);
