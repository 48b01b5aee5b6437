import type { z } from "@hono/zod-openapi";
import { type TimelineRow, userTimeline } from "../../services/timeline";
import type { AppRouteHandler } from "../common";
import type * as routes from "./timeline.routes";

type TimelineItem = z.infer<typeof routes.TimelineItemSchema>;

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

export const getTimeline: AppRouteHandler<typeof routes.getTimeline> = async (c) => {
  const { limit, cursor, platform, document, provision, since } = c.req.valid("query");
  const filter = { platform, document, provision, since: since ? new Date(since) : undefined };
  const p = await userTimeline(c.get("deps").database.db, c.get("user").id, filter, cursor, limit);
  return c.json({ items: p.items.map(timelineItem), next_cursor: p.next_cursor }, 200);
};
