import { z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { ChangeEventSchema } from "../ingest/event-schema";
import { ingestEvent } from "../ingest/ingest";
import { ApiError } from "../lib/errors";
import { verifyWebhook, webhookKey } from "../lib/webhook-signature";
import { createRouter, describeIssues, errors, json } from "./common";

export const MAX_EVENT_BYTES = 1024 * 1024;

const Accepted = z
  .object({
    event_id: z.string(),
    duplicate: z.literal(false),
    matched_users: z.number().int(),
    alerts: z.number().int(),
    digest_items: z.number().int(),
  })
  .openapi("EventAccepted");
const Duplicate = z.object({ event_id: z.string(), duplicate: z.literal(true) }).openapi("EventDuplicate");

/**
 * The pipeline's endpoint. The order matters: size (413, before reading it all), then the
 * Standard Webhooks signature over the raw bytes (401), then UTF-8, JSON and the schema (400). So
 * an unsigned body is never decoded or parsed, the signature covers exactly the bytes that were
 * sent, and a correctly signed but malformed body is a bad request, not a bad signature.
 */
export const eventRoutes = createRouter();

eventRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/v1/events",
  tags: ["ingest"],
  summary: "Post a change event (Standard Webhooks-signed with INGEST_SECRET)",
  request: {
    headers: z.object({ "webhook-id": z.string(), "webhook-timestamp": z.string(), "webhook-signature": z.string() }),
    body: { required: true, content: { "application/json": { schema: ChangeEventSchema } } },
  },
  responses: {
    202: json(Accepted, "Stored and matched"),
    200: json(Duplicate, "Already received: nothing changed"),
    400: errors[400],
    401: errors[401],
    413: errors[413],
    503: errors[503],
  },
});

eventRoutes.post(
  "/v1/events",
  bodyLimit({
    maxSize: MAX_EVENT_BYTES,
    // Checked on Content-Length before reading, or when a chunked body passes the limit: the rest
    // of the body is still on the wire, so the connection cannot carry another request.
    onError: () => {
      throw new ApiError("payload_too_large", `events are at most ${MAX_EVENT_BYTES} bytes`, { Connection: "close" });
    },
  }),
  async (c) => {
    const { config, database, clock, log, onQueued } = c.get("deps");
    // Read the whole (≤ 1 MiB) body before judging the headers, so that a 401 leaves the
    // connection clean for the sender's next post instead of answering early and closing it.
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
    const result = await ingestEvent(database.db, parsed.data, raw, clock.now(), { log, metrics: c.get("deps").metrics });
    if (result.duplicate) return c.json({ event_id: parsed.data.id, duplicate: true }, 200);
    if (result.alerts > 0) onQueued?.();
    return c.json(
      {
        event_id: parsed.data.id,
        duplicate: false,
        matched_users: result.matchedUsers,
        alerts: result.alerts,
        digest_items: result.digestItems,
      },
      202,
    );
  },
);
