import { z } from "@hono/zod-openapi";
import { and, eq, isNull, sql } from "drizzle-orm";
import { Webhook } from "svix";
import { channels, suppressions } from "../db/schema";
import { ApiError } from "../lib/errors";
import { createRouter, errors, json, resendSignature } from "./common";

/** What we read of Resend's webhook events (everything else is ignored). */
const ResendEvent = z.object({
  type: z.string().max(100),
  created_at: z.string().max(100).optional(),
  data: z
    .object({
      email_id: z.string().max(200).optional(),
      to: z.union([z.string(), z.array(z.string())]).optional(),
      bounce: z.object({ type: z.string().max(100).optional(), message: z.string().max(2000).optional() }).optional(),
    })
    .optional(),
});

/** Soft bounces (full mailbox, greylisting) are Resend's to retry, not a reason to stop mailing. */
const isSoftBounce = (type: string | undefined) => /transient|temporary|soft/i.test(type ?? "");

export const providerRoutes = createRouter();

providerRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/v1/providers/resend",
  operationId: "receiveResendWebhook",
  security: resendSignature,
  tags: ["providers"],
  summary: "Resend's webhooks (Svix-signed): hard bounces and complaints suppress the address",
  responses: {
    200: json(z.object({ received: z.boolean(), suppressed: z.number().int() }), "Processed (unknown event types are ignored)"),
    400: errors[400],
    401: errors[401],
    404: errors[404],
  },
});

/**
 * Suppression happens before the next send: the dispatcher checks the list for every email.
 * Replays are harmless — the suppression row and the channel's state are written idempotently.
 */
providerRoutes.post("/v1/providers/resend", async (c) => {
  const { config, database, clock, log } = c.get("deps");
  if (!config.resendWebhookSecret)
    throw new ApiError("not_found", "the Resend webhook endpoint is off (no RESEND_WEBHOOK_SECRET)");
  const raw = await c.req.text();
  if (raw.length > 256 * 1024) throw new ApiError("payload_too_large", "webhook bodies are at most 256 KiB");
  try {
    new Webhook(config.resendWebhookSecret).verify(raw, {
      "svix-id": c.req.header("svix-id") ?? "",
      "svix-timestamp": c.req.header("svix-timestamp") ?? "",
      "svix-signature": c.req.header("svix-signature") ?? "",
    });
  } catch {
    throw new ApiError("unauthorized", "missing, stale or invalid Svix signature");
  }
  let parsed: z.infer<typeof ResendEvent>;
  try {
    parsed = ResendEvent.parse(JSON.parse(raw));
  } catch {
    throw new ApiError("invalid_request", "body: not a Resend webhook event");
  }
  const reason =
    parsed.type === "email.complained"
      ? "complaint"
      : parsed.type === "email.bounced" && !isSoftBounce(parsed.data?.bounce?.type)
        ? "hard_bounce"
        : null;
  if (!reason) return c.json({ received: true, suppressed: 0 }, 200);

  const to = parsed.data?.to;
  const addresses = [...new Set((Array.isArray(to) ? to : to ? [to] : []).map((a) => a.trim().toLowerCase()))].filter((a) =>
    a.includes("@"),
  );
  const now = clock.now();
  for (const email of addresses) {
    await database.db.transaction(async (tx) => {
      await tx
        .insert(suppressions)
        .values({ email, reason, source: `resend:${parsed.data?.email_id ?? "unknown"}`, createdAt: now })
        .onConflictDoNothing();
      // The channel shows why it stopped; the account email and any extra address alike.
      await tx
        .update(channels)
        .set({ status: "disabled", statusReason: reason === "complaint" ? "complaint" : "bounced", updatedAt: now })
        .where(and(eq(channels.type, "email"), sql`lower(${channels.target}) = ${email}`, isNull(channels.deletedAt)));
    });
  }
  log.warn("email address suppressed", { reason, count: addresses.length });
  return c.json({ received: true, suppressed: addresses.length }, 200);
});
