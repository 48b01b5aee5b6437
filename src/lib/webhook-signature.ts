import { Buffer } from "node:buffer";
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";

/**
 * Standard Webhooks verification over a body's exact bytes. The `standardwebhooks` package
 * cannot do this: its `sign()` turns a Buffer into a string first, so a BOM or bytes that are not
 * valid UTF-8 would be signed as something other than what was sent. `node:crypto` works on Node
 * and on Workers (`nodejs_compat`).
 */

/** The sender's clock may be this far off ours, either way (the Standard Webhooks default). */
const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

const PREFIX = "whsec_";

/**
 * The HMAC key of a Standard Webhooks secret. Like the Standard Webhooks libraries, the `whsec_`
 * prefix is optional and the rest is base64.
 *
 * @example webhookKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") // 24 bytes
 */
export function webhookKey(secret: string): Uint8Array {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, "base64");
  // an empty HMAC key would make every signature forgeable: refuse it rather than accept it
  if (key.length === 0) throw new Error("webhook secret: empty key");
  return key;
}

export interface WebhookHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** Why a signature was refused: for logs only, the caller answers one 401 for all of them. */
export type SignatureProblem = "missing headers" | "bad timestamp" | "stale timestamp" | "no matching signature";

/**
 * Checks `webhook-signature` (space-separated `v1,<base64>` entries, any one may match) against
 * HMAC-SHA256 of `<id>.<timestamp>.` followed by the body's bytes, and the timestamp against `now`.
 * Answers null when the body is authentic.
 *
 * @example const problem = verifyWebhook(webhookKey(secret), bytes, { id, timestamp, signature }, clock.now())
 */
export function verifyWebhook(key: Uint8Array, body: Uint8Array, h: WebhookHeaders, now: Date): SignatureProblem | null {
  if (!h.id || !h.timestamp || !h.signature) return "missing headers";
  // digits only: the signed text holds the header as sent, and "12abc" or " 12" are not times
  if (!/^\d{1,15}$/.test(h.timestamp)) return "bad timestamp";
  if (Math.abs(Math.floor(now.getTime() / 1000) - Number(h.timestamp)) > SIGNATURE_TOLERANCE_SECONDS) return "stale timestamp";

  const expected = Buffer.from(createHmac("sha256", key).update(`${h.id}.${h.timestamp}.`).update(body).digest("base64"), "utf8");
  let matched = false;
  for (const entry of h.signature.split(" ")) {
    const comma = entry.indexOf(",");
    if (comma < 0 || entry.slice(0, comma) !== "v1") continue;
    const given = Buffer.from(entry.slice(comma + 1), "utf8");
    // timingSafeEqual throws on unequal lengths; the length of a base64 HMAC is no secret
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  return matched ? null : "no matching signature";
}

/**
 * The `webhook-signature` header value for a message, exactly as `standardwebhooks`' `sign()`
 * writes it (`v1,` + base64 HMAC-SHA256 of `<id>.<timestamp>.<body>`, the body as UTF-8), on
 * `node:crypto` (native SHA-256) instead of that package's pure-JS one. A KeyObject from
 * `webhookSigningKey` saves importing the key again for every message of a channel.
 *
 * @example headers["webhook-signature"] = signWebhook(webhookSigningKey(secret), msg.id, 1778337338, body)
 */
export function signWebhook(key: KeyObject | Uint8Array, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac("sha256", key).update(`${id}.${timestampSeconds}.`).update(body, "utf8").digest("base64")}`;
}

/** `webhookKey` as a KeyObject, for signing many messages with one secret. */
export function webhookSigningKey(secret: string): KeyObject {
  return createSecretKey(webhookKey(secret));
}
