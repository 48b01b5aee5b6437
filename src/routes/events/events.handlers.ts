import type { Context } from "hono";
import { acceptEvent } from "../../ingest/ingest";
import { ApiError } from "../../lib/errors";
import { type ChangeEvent, ChangeEventSchema } from "../../lib/event-schema";
import { describeIssues } from "../../lib/validation";
import { verifyWebhook, webhookKey } from "../../lib/webhook-signature";
import type { AppEnv } from "../../middleware/context";
import { type EventListRow, eventById, eventsPage } from "../../services/events";
import type { AppRouteHandler } from "../common";
import type * as routes from "./events.routes";

/**
 * The body's exact bytes, once their Standard Webhooks signature checks out (401 otherwise).
 * The whole (≤ 1 MiB) body is read before the headers are judged, so that a 401 leaves the
 * connection clean for the sender's next post instead of answering early and closing it.
 */
async function signedBytes(c: Context<AppEnv>): Promise<Uint8Array> {
  const { config, clock, log } = c.get("deps");
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  const problem = verifyWebhook(
    webhookKey(config.ingestSecret),
    bytes,
    {
      id: c.req.header("webhook-id"),
      timestamp: c.req.header("webhook-timestamp"),
      signature: c.req.header("webhook-signature"),
    },
    clock.now(),
  );
  if (problem) {
    log.info("event signature refused", { request_id: c.get("requestId"), reason: problem });
    throw new ApiError("unauthorized", "missing, stale or invalid webhook signature");
  }
  return bytes;
}

/** UTF-8, then JSON, then the event schema (400 at the first that fails); `raw` is the text to store. */
function parseEvent(bytes: Uint8Array): { event: ChangeEvent; raw: string } {
  let raw: string;
  try {
    // ignoreBOM keeps a byte-order mark in the stored text, so raw_body re-encodes to exactly the
    // signed bytes; JSON.parse gets the text without it.
    raw = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new ApiError("invalid_request", "body: not valid UTF-8");
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.startsWith("\uFEFF") ? raw.slice(1) : raw);
  } catch {
    throw new ApiError("invalid_request", "body: not valid JSON");
  }
  const parsed = ChangeEventSchema.safeParse(body);
  if (!parsed.success) throw new ApiError("invalid_request", describeIssues(parsed.error.issues));
  return { event: parsed.data, raw };
}

export const postEvent: AppRouteHandler<typeof routes.postEvent> = async (c) => {
  const { event, raw } = parseEvent(await signedBytes(c));
  const { database, clock, log, metrics, onAccepted } = c.get("deps");
  const result = await acceptEvent(database.db, event, raw, clock.now(), {
    log,
    metrics,
    groupCommit: database.kind === "postgres",
  });
  if (result.duplicate) return c.json({ event_id: event.id, duplicate: true as const }, 200);
  onAccepted?.(event.id);
  return c.json({ event_id: event.id, duplicate: false as const, status: "accepted" as const }, 202);
};

const eventJson = (r: EventListRow): routes.OperatorEventJson => ({
  id: r.id,
  type: r.type,
  occurred_at: r.occurredAt.toISOString(),
  platform: { slug: r.platformSlug, name: r.platformName },
  document: { slug: r.documentSlug, title: r.documentTitle, url: r.documentUrl },
  severity: r.severity,
  received_at: r.receivedAt.toISOString(),
  fanned_out_at: r.fannedOutAt?.toISOString() ?? null,
  matched_users: r.matchedUsers,
  alerts: r.alerts,
  digest_items: r.digestItems,
});

export const listEvents: AppRouteHandler<typeof routes.listEvents> = async (c) => {
  const { limit, cursor, platform, since } = c.req.valid("query");
  const filter = { platform, since: since ? new Date(since) : undefined };
  const p = await eventsPage(c.get("deps").database.db, filter, cursor, limit);
  return c.json({ items: p.items.map(eventJson), next_cursor: p.next_cursor }, 200);
};

export const getEvent: AppRouteHandler<typeof routes.getEvent> = async (c) =>
  c.json(eventJson(await eventById(c.get("deps").database.db, c.req.valid("param").id)), 200);
