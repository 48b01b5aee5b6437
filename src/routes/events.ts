import { z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { Webhook } from "standardwebhooks";
import { ChangeEventSchema } from "../ingest/event-schema";
import { ingestEvent } from "../ingest/ingest";
import { ApiError } from "../lib/errors";
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
 * Standard Webhooks signature over the raw bytes (401), then JSON and the schema (400). So an
 * unsigned body is never parsed, and the signature covers exactly what was sent.
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
    onError: () => {
      throw new ApiError("payload_too_large", `events are at most ${MAX_EVENT_BYTES} bytes`);
    },
  }),
  async (c) => {
    const { config, database, clock, onQueued } = c.get("deps");
    const raw = await c.req.text();
    try {
      // Checks the timestamp (±5 min) and compares signatures in constant time. No jsonParse:
      // the library would parse the body itself and a signed non-JSON body would look like a bad
      // signature (401) instead of a bad body (400).
      new Webhook(config.ingestSecret).verify(
        raw,
        {
          "webhook-id": c.req.header("webhook-id") ?? "",
          "webhook-timestamp": c.req.header("webhook-timestamp") ?? "",
          "webhook-signature": c.req.header("webhook-signature") ?? "",
        },
        { jsonParse: false },
      );
    } catch {
      throw new ApiError("unauthorized", "missing, stale or invalid webhook signature");
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new ApiError("invalid_request", "body: not valid JSON");
    }
    const parsed = ChangeEventSchema.safeParse(body);
    if (!parsed.success) throw new ApiError("invalid_request", describeIssues(parsed.error.issues));
    const result = await ingestEvent(database.db, parsed.data, raw, clock.now());
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
