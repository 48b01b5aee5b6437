import { createRoute, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../../lib/errors";
import { slug } from "../../lib/event-schema";
import { EXAMPLE_EVENT } from "../../lib/example-event";
import { requireAdmin } from "../../middleware/auth";
import { adminBearer, errors, ingestSignature, json, listOf, PageQuery } from "../common";

/** Events: the pipeline posts them (ingest), the operator reads what their fan-out did. */

export const MAX_EVENT_BYTES = 1024 * 1024;

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
