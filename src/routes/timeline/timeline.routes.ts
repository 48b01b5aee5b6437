import { createRoute, z } from "@hono/zod-openapi";
import { datetime, slug } from "../../lib/event-schema";
import { SEVERITIES } from "../../lib/tiers";
import { requireUser } from "../../middleware/auth";
import { requireFeature } from "../../middleware/entitlement";
import { bearer, errors, json, listOf, PageQuery } from "../common";

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

const TimelineQuery = PageQuery.extend({
  platform: slug.optional(),
  document: slug.optional(),
  provision: slug.optional(),
  since: datetime.optional().openapi({ description: "Only changes that occurred at or after this instant" }),
});

export const getTimeline = createRoute({
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
