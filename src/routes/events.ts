import { z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { acceptEvent } from "../ingest/ingest";
import { ApiError } from "../lib/errors";
import { type ChangeEvent, ChangeEventSchema } from "../lib/event-schema";
import { verifyWebhook, webhookKey } from "../lib/webhook-signature";
import { createRouter, describeIssues, errors, ingestSignature, json } from "./common";

export const MAX_EVENT_BYTES = 1024 * 1024;

/** The reference's example: test/fixtures/events/01-anthropic-ai-training.json (a test keeps them equal). */
const EXAMPLE_EVENT: ChangeEvent = {
  id: "evt_2026_05_09_anthropic_claudeai_tos_training",
  type: "document.changed",
  occurred_at: "2026-05-09T14:35:38Z",
  platform: {
    slug: "anthropic",
    name: "Anthropic",
  },
  document: {
    slug: "claudeai-terms-of-service",
    title: "Claude.ai Terms of Service",
    url: "https://www.anthropic.com/legal/consumer-terms",
    last_updated: "2026-05-05",
  },
  severity: "high",
  summary:
    "Conversations can be used to train models by default; the opt-out does not cover feedback or content flagged for safety review.",
  changes: [
    {
      provision: {
        slug: "ai-model-training-use-of-materials",
        title: "AI Model Training Use of Materials",
      },
      kind: "modified",
      severity: "high",
      confidence: "high",
      categories: ["data-rights", "ai-training"],
      summary:
        "Even after opting out, Materials are used for training when you give Feedback or when they are flagged for safety review.",
      before: "We may use Materials to provide, maintain, and improve the Services.",
      after:
        "We may use Materials to provide, maintain, and improve the Services and to develop other products and services, including training our models, unless you opt out of training through your account settings. Even if you opt out, we will use Materials for model training when: (1) you provide Feedback to us regarding any Materials, or (2) your Materials are flagged for safety review to improve our ability to detect harmful content, enforce our policies, or advance our safety research.",
      regulations: ["GDPR", "UK GDPR", "CCPA", "EU AI Act", "California AB 2013"],
    },
  ],
  evidence: {
    source_url: "https://www.anthropic.com/legal/consumer-terms",
    archive_url: "https://web.archive.org/web/20260509143538/https://www.anthropic.com/legal/consumer-terms",
    content_sha256: "b10681ed0556f33fd77bdd0ca8d5a1d1e02616dab9696dadd177f042a3770d68",
    captured_at: "2026-05-09T14:35:38Z",
  },
};

const Accepted = z
  .object({
    event_id: z.string(),
    duplicate: z.literal(false),
    status: z.literal("accepted").openapi({
      description: "Stored durably; the fan-out follows within a second. What it did: GET /v1/admin/events/{id}",
    }),
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
  operationId: "postEvent",
  security: ingestSignature,
  tags: ["ingest"],
  summary: "Post a change event (Standard Webhooks-signed with INGEST_SECRET)",
  request: {
    // webhook-signature is the security scheme's header (standardWebhooks), so it is not repeated here
    headers: z.object({ "webhook-id": z.string(), "webhook-timestamp": z.string() }),
    body: { required: true, content: { "application/json": { schema: ChangeEventSchema, example: EXAMPLE_EVENT } } },
  },
  responses: {
    202: json(Accepted, "Stored; matching and queueing follow asynchronously"),
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
    const { config, database, clock, log, onAccepted } = c.get("deps");
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
    const result = await acceptEvent(database.db, parsed.data, raw, clock.now(), { log, metrics: c.get("deps").metrics });
    if (result.duplicate) return c.json({ event_id: parsed.data.id, duplicate: true }, 200);
    onAccepted?.(parsed.data.id);
    return c.json({ event_id: parsed.data.id, duplicate: false, status: "accepted" }, 202);
  },
);
