import { z } from "@hono/zod-openapi";
import { Webhook } from "svix";
import { disableChannel } from "../db/queries/channels";
import { insertSuppression } from "../db/queries/suppressions";
import type { Db } from "../db/types";
import { ApiError } from "../lib/errors";

/**
 * The email suppression list, fed by Resend's webhooks: hard bounces and complaints stop mail to
 * the address. Suppression happens before the next send (the dispatcher checks the list for every
 * email). Replays are harmless: the suppression row and the channel's state are written idempotently.
 */

/** Resend webhook bodies are at most this long. */
const RESEND_WEBHOOK_MAX_BYTES = 256 * 1024;

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
type ResendEvent = z.infer<typeof ResendEvent>;

export interface SvixHeaders {
  "svix-id": string;
  "svix-timestamp": string;
  "svix-signature": string;
}

/** Soft bounces (full mailbox, greylisting) are Resend's to retry, not a reason to stop mailing. */
const isSoftBounce = (type: string | undefined) => /transient|temporary|soft/i.test(type ?? "");

/** The event, once its Svix signature is checked (401) and its body read (400). */
function verifiedEvent(secret: string, raw: string, headers: SvixHeaders): ResendEvent {
  if (raw.length > RESEND_WEBHOOK_MAX_BYTES) throw new ApiError("payload_too_large", "webhook bodies are at most 256 KiB");
  try {
    new Webhook(secret).verify(raw, { ...headers });
  } catch {
    throw new ApiError("unauthorized", "missing, stale or invalid Svix signature");
  }
  try {
    return ResendEvent.parse(JSON.parse(raw));
  } catch {
    throw new ApiError("invalid_request", "body: not a Resend webhook event");
  }
}

const suppressionReason = (e: ResendEvent) =>
  e.type === "email.complained"
    ? "complaint"
    : e.type === "email.bounced" && !isSoftBounce(e.data?.bounce?.type)
      ? "hard_bounce"
      : null;

/** The event's recipients, lower-cased and distinct. */
function recipients(e: ResendEvent): string[] {
  const to = e.data?.to;
  const all = (Array.isArray(to) ? to : to ? [to] : []).map((a) => a.trim().toLowerCase());
  return [...new Set(all)].filter((a) => a.includes("@"));
}

/**
 * Handles one Resend webhook: 404 while RESEND_WEBHOOK_SECRET is unset (the body is not read),
 * then size (413), signature (401) and body (400). A hard bounce or complaint suppresses each recipient and disables its email
 * channels (the account email and any extra address alike), which then show why they stopped.
 */
export async function receiveResendWebhook(
  db: Db,
  secret: string | undefined,
  request: { body: () => Promise<string>; headers: SvixHeaders },
  now: Date,
): Promise<{ reason: "complaint" | "hard_bounce" | null; suppressed: number }> {
  if (!secret) throw new ApiError("not_found", "the Resend webhook endpoint is off (no RESEND_WEBHOOK_SECRET)");
  const event = verifiedEvent(secret, await request.body(), request.headers);
  const reason = suppressionReason(event);
  if (!reason) return { reason, suppressed: 0 };
  const addresses = recipients(event);
  for (const email of addresses) {
    await db.transaction(async (tx) => {
      await insertSuppression(tx, { email, reason, source: `resend:${event.data?.email_id ?? "unknown"}` }, now);
      await disableChannel(tx, { emailAddress: email }, reason === "complaint" ? "complaint" : "bounced", now);
    });
  }
  return { reason, suppressed: addresses.length };
}
