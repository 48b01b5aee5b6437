import { createRoute, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../../lib/errors";
import { type ChangeEvent, slug } from "../../lib/event-schema";
import { requireAdmin } from "../../middleware/auth";
import { adminBearer, errors, ingestSignature, json, listOf, PageQuery } from "../common";

/** Events: the pipeline posts them (ingest), the operator reads what their fan-out did. */

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

/** The header parameters the signature needs besides `webhook-signature` (the security scheme's own header). */
const signatureHeader = (name: string) => ({ schema: { type: "string" as const }, required: true, name, in: "header" as const });

/**
 * The pipeline's endpoint. The order matters: size (413, before reading it all), then the
 * Standard Webhooks signature over the raw bytes (401), then UTF-8, JSON and the schema (400). So
 * an unsigned body is never decoded or parsed, the signature covers exactly the bytes that were
 * sent, and a correctly signed but malformed body is a bad request, not a bad signature.
 *
 * Hence the body and headers are declared for the reference only (a `$ref` to the ChangeEvent
 * schema, header `parameters`), not as zod schemas: those would have the router validate — and
 * parse — the body before its signature is checked. The handler reads the raw bytes itself.
 */
export const postEvent = createRoute({
  method: "post",
  path: "/v1/events",
  operationId: "postEvent",
  security: ingestSignature,
  tags: ["ingest"],
  summary: "Post a change event (Standard Webhooks-signed with INGEST_SECRET)",
  middleware: [
    bodyLimit({
      maxSize: MAX_EVENT_BYTES,
      // Checked on Content-Length before reading, or when a chunked body passes the limit: the rest
      // of the body is still on the wire, so the connection cannot carry another request.
      onError: () => {
        throw new ApiError("payload_too_large", `events are at most ${MAX_EVENT_BYTES} bytes`, { Connection: "close" });
      },
    }),
  ],
  parameters: [signatureHeader("webhook-id"), signatureHeader("webhook-timestamp")],
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: { $ref: "#/components/schemas/ChangeEvent" }, example: EXAMPLE_EVENT } },
    },
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

const OperatorEvent = z
  .object({
    id: z.string(),
    type: z.string(),
    occurred_at: z.string(),
    platform: z.object({ slug: z.string(), name: z.string() }),
    document: z.object({ slug: z.string(), title: z.string(), url: z.string() }),
    severity: z.string(),
    received_at: z.string(),
    fanned_out_at: z.string().nullable().openapi({ description: "null while the fan-out is pending" }),
    matched_users: z.number().int().nullable().openapi({ description: "users with a matching watch; null until fanned out" }),
    alerts: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "alert notifications (one per user and channel) that carry this event, new or joined" }),
    digest_items: z.number().int().nullable().openapi({ description: "digest entries queued; null until fanned out" }),
  })
  .openapi("OperatorEvent");

export type OperatorEventJson = z.infer<typeof OperatorEvent>;

/** Producers' ids: 1–200 printable characters (spaces inside allowed), as ingest accepts them. */
const EventIdParam = z.object({
  id: z
    .string()
    .regex(/^[\x21-\x7e](?:[\x20-\x7e]{0,198}[\x21-\x7e])?$/, "must be an event id")
    .openapi({ param: { name: "id", in: "path" } }),
});

export const listEvents = createRoute({
  method: "get",
  path: "/v1/admin/events",
  operationId: "listEvents",
  tags: ["operator"],
  summary: "List received events, newest first by received_at, with what their fan-out did",
  security: adminBearer,
  middleware: [requireAdmin],
  request: {
    query: PageQuery.extend({
      platform: slug.optional(),
      since: z.iso.datetime({ offset: true }).optional().openapi({ description: "received at or after" }),
    }),
  },
  responses: { 200: json(listOf(OperatorEvent, "OperatorEventList"), "A page of events"), 400: errors[400], 401: errors[401] },
});

export const getEvent = createRoute({
  method: "get",
  path: "/v1/admin/events/{id}",
  operationId: "getEvent",
  tags: ["operator"],
  summary: "One event and what its fan-out did (`fanned_out_at`, `matched_users`, `alerts`, `digest_items`)",
  security: adminBearer,
  middleware: [requireAdmin],
  request: { params: EventIdParam },
  responses: { 200: json(OperatorEvent, "The event"), 400: errors[400], 401: errors[401], 404: errors[404] },
});
