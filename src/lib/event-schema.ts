import { z } from "@hono/zod-openapi";
import { isStorableInstant, isStorableText, STORABLE_INSTANT_MESSAGE, STORABLE_TEXT_MESSAGE } from "./storable";
import { SEVERITIES } from "./tiers";

/** Lower-case slugs, as the catalog and categories use them. */
export const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,127}$/, "must be a lower-case slug (a-z, 0-9, . _ -), at most 128 characters");

/** Any text the database can hold (see lib/storable); every free-form field goes through it. */
const str = (max: number) => z.string().max(max).refine(isStorableText, STORABLE_TEXT_MESSAGE);
const text = (max: number) => str(max).min(1);
export const datetime = z.iso.datetime({ offset: true }).refine(isStorableInstant, STORABLE_INSTANT_MESSAGE);
const httpUrl = str(2048).refine((s) => /^https?:\/\//i.test(s) && URL.canParse(s), "must be an http(s) URL");

const severity = z.enum(SEVERITIES);

export const ChangeSchema = z
  .object({
    provision: z.object({ slug, title: text(500) }),
    kind: z.enum(["added", "removed", "modified"]),
    severity: severity.optional(),
    confidence: z.enum(["low", "medium", "high"]).optional(),
    categories: z.array(slug).max(50).default([]),
    summary: text(5000),
    before: str(100_000).optional(),
    after: str(100_000).optional(),
    regulations: z.array(text(100)).max(50).optional(),
  })
  .openapi("Change");

export const ChangeEventSchema = z
  .object({
    id: z.string().regex(/^[\x21-\x7E](?:[\x20-\x7E]{0,198}[\x21-\x7E])?$/, "must be 1-200 printable ASCII characters"),
    type: z.enum(["document.changed", "document.added", "document.removed"]),
    occurred_at: datetime,
    platform: z.object({ slug, name: text(200) }),
    document: z.object({
      slug,
      title: text(500),
      url: httpUrl,
      last_updated: str(40).optional(),
    }),
    severity,
    summary: text(5000),
    changes: z.array(ChangeSchema).max(500),
    evidence: z.object({
      source_url: httpUrl,
      archive_url: httpUrl.optional(),
      content_sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex characters"),
      captured_at: datetime,
    }),
  })
  .superRefine((e, ctx) => {
    if (e.type === "document.changed" && e.changes.length === 0) {
      ctx.addIssue({ code: "custom", path: ["changes"], message: "document.changed needs at least one change" });
    }
  })
  .openapi("ChangeEvent");

export type ChangeEvent = z.infer<typeof ChangeEventSchema>;
export type Change = z.infer<typeof ChangeSchema>;

/** What the fan-out needs from an event, derived once. */
export function eventFacts(e: ChangeEvent) {
  const rank = (s: string) => SEVERITIES.indexOf(s as (typeof SEVERITIES)[number]) + 1;
  const categories = [...new Set(e.changes.flatMap((c) => c.categories))].sort();
  // A provision changed twice in one event counts at its highest severity.
  const provisionRank = new Map<string, number>();
  for (const c of e.changes) {
    const r = rank(c.severity ?? e.severity);
    provisionRank.set(c.provision.slug, Math.max(r, provisionRank.get(c.provision.slug) ?? 0));
  }
  return {
    severityRank: rank(e.severity),
    categories,
    provisionSlugs: [...provisionRank.keys()],
    provisionRanks: [...provisionRank.values()],
  };
}
