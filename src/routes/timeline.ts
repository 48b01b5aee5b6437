import { createRoute, z } from "@hono/zod-openapi";
import { type TimelineKey, type TimelineRow, timelinePage } from "../db/queries/timeline";
import { fromBase64Url, toBase64Url } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { datetime, slug } from "../lib/event-schema";
import { SEVERITIES } from "../lib/tiers";
import { requireUser } from "../middleware/auth";
import { requireFeature } from "../middleware/entitlement";
import { bearer, createRouter, errors, json, listOf, PageQuery } from "./common";

const Evidence = z
  .object({
    source_url: z.string(),
    archive_url: z.string().nullable(),
    content_sha256: z.string(),
    captured_at: z.string(),
  })
  .openapi("Evidence");

export const TimelineItemSchema = z
  .object({
    id: z.string().openapi({ description: "Stable per event and change" }),
    event_id: z.string(),
    type: z.enum(["document.changed", "document.added", "document.removed"]),
    occurred_at: z.string(),
    platform: z.object({ slug: z.string(), name: z.string() }),
    document: z.object({ slug: z.string(), title: z.string(), url: z.string() }),
    provision: z
      .object({ slug: z.string(), title: z.string() })
      .nullable()
      .openapi({ description: "null for a document added or removed without provision changes" }),
    kind: z.enum(["added", "removed", "modified"]),
    severity: z.enum(SEVERITIES).openapi({ description: "The change's severity, else the event's" }),
    summary: z.string().openapi({ description: "The change's summary, else the event's" }),
    event_summary: z.string(),
    before: z.string().nullable(),
    after: z.string().nullable(),
    categories: z.array(z.string()),
    regulations: z.array(z.string()),
    evidence: Evidence,
  })
  .openapi("TimelineItem");

type TimelineItem = z.infer<typeof TimelineItemSchema>;

const TimelineQuery = PageQuery.extend({
  platform: slug.optional(),
  document: slug.optional(),
  provision: slug.optional(),
  since: datetime.optional().openapi({ description: "Only changes that occurred at or after this instant" }),
});

/** FNV-1a: an edited or truncated cursor is a clear 400, not a silently different page. */
function checksum(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

/** Opaque to clients: the last item's (occurred_at, event id, change ordinal). */
export function encodeTimelineCursor(k: TimelineKey): string {
  const fields = [k.at.toISOString(), k.eventId, k.ord] as const;
  return toBase64Url(new TextEncoder().encode(JSON.stringify([...fields, checksum(JSON.stringify(fields))])));
}

export function decodeTimelineCursor(s: string | undefined): TimelineKey | undefined {
  if (!s) return undefined;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(s)) throw new Error("bad cursor");
    const parsed: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fromBase64Url(s)));
    if (!Array.isArray(parsed) || parsed.length !== 4) throw new Error("bad cursor");
    const [at, eventId, ord, sum] = parsed as unknown[];
    if (typeof at !== "string" || typeof eventId !== "string" || typeof ord !== "number") throw new Error("bad cursor");
    if (sum !== checksum(JSON.stringify([at, eventId, ord]))) throw new Error("bad cursor");
    const d = new Date(at);
    if (Number.isNaN(d.getTime()) || d.toISOString() !== at) throw new Error("bad cursor");
    if (!/^[\x21-\x7e][\x20-\x7e]{0,199}$/.test(eventId) || !Number.isInteger(ord) || ord < 0 || ord > 1000)
      throw new Error("bad cursor");
    return { at: d, eventId, ord };
  } catch {
    throw new ApiError("invalid_request", "cursor: not a cursor this API issued");
  }
}

const iso = (v: Date | string) => (v instanceof Date ? v : new Date(v)).toISOString();

/** A stored row as the contract's timeline item (the full change: the timeline is Professional's). */
function timelineItem(r: TimelineRow): TimelineItem {
  const c = r.change;
  const fallbackKind = r.type === "document.removed" ? "removed" : r.type === "document.added" ? "added" : "modified";
  return {
    id: `${r.event_id}#${r.ord}`,
    event_id: r.event_id,
    type: r.type,
    occurred_at: iso(r.occurred_at),
    platform: r.platform,
    document: r.document,
    provision: c ? { slug: c.provision.slug, title: c.provision.title } : null,
    kind: c ? c.kind : fallbackKind,
    severity: (c?.severity ?? r.event_severity) as TimelineItem["severity"],
    summary: c ? c.summary : r.event_summary,
    event_summary: r.event_summary,
    before: c?.before ?? null,
    after: c?.after ?? null,
    categories: c?.categories ?? [],
    regulations: c?.regulations ?? [],
    evidence: {
      source_url: r.evidence.source_url,
      archive_url: r.evidence.archive_url ?? null,
      content_sha256: r.evidence.content_sha256,
      captured_at: r.evidence.captured_at,
    },
  };
}

const timelineRoute = createRoute({
  method: "get",
  path: "/v1/timeline",
  operationId: "getTimeline",
  tags: ["professional"],
  summary: "Governance timeline: changes to what you watch, newest first (Professional)",
  description:
    "Every event that matched the user's watchlist, one item per provision change (an event without changes is one " +
    "item with `provision: null`), newest first; within an event, changes in their posted order. Filtered by " +
    "`provision`, the items read as that provision's sequence of versions (`before` → `after`). Keyset-paginated: " +
    "`next_cursor` is stable while new events arrive. Below Professional: 403 `tier_limit`.",
  security: bearer,
  middleware: [requireUser, requireFeature("timeline", "the governance timeline")],
  request: { query: TimelineQuery },
  responses: {
    200: json(listOf(TimelineItemSchema, "Timeline"), "A page of the timeline"),
    400: errors[400],
    401: errors[401],
    403: errors[403],
  },
});

export const timelineRoutes = createRouter().openapi(timelineRoute, async (c) => {
  const { limit, cursor, platform, document, provision, since } = c.req.valid("query");
  const after = decodeTimelineCursor(cursor);
  const { db } = c.get("deps").database;
  const found = await timelinePage(
    db,
    c.get("user").id,
    { platform, document, provision, since: since ? new Date(since) : undefined },
    after,
    limit,
  );
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  const next =
    found.length > limit && last
      ? encodeTimelineCursor({ at: new Date(iso(last.occurred_at)), eventId: last.event_id, ord: last.ord })
      : null;
  return c.json({ items: page.map(timelineItem), next_cursor: next }, 200);
});
