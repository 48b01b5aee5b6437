import type { IncomingHttpHeaders } from "node:http";
import { Webhook } from "standardwebhooks";
import { type GuardedOutcome, guardedRequest, type ResolveHost } from "../guarded-request";
import { createKeyedConcurrency, retryAfterMs } from "../pacing";
import type { Channel, RenderWebhook, SendResult } from "../types";

/*
 * The contract ("What receivers get"): 2xx delivered; 410 disables the channel; other 4xx fail at
 * once, except the four that say "not now" — 408 (timeout), 409 (conflict, e.g. a receiver still
 * processing this webhook-id), 425 (too early), 429 (rate limited); those, 3xx (redirects are not
 * followed: a moved endpoint must be updated by its owner, and following could lead anywhere),
 * 5xx, timeouts and network errors retry on the schedule, honouring Retry-After.
 */
const RETRYABLE_4XX = new Set([408, 409, 425, 429]);

export function classifyWebhookOutcome(outcome: GuardedOutcome, nowMs: number = Date.now()): SendResult {
  switch (outcome.kind) {
    case "refused":
      return { kind: "permanent", reason: `webhook target refused: ${outcome.reason}` };
    case "timeout":
      return { kind: "retry", reason: `webhook timed out: ${outcome.reason}` };
    case "error":
      return { kind: "retry", reason: `webhook network error: ${outcome.reason}` };
    case "response":
      return classifyStatus(outcome.status, outcome.headers, outcome.body, nowMs);
  }
}

function classifyStatus(status: number, headers: IncomingHttpHeaders, response: string, nowMs: number): SendResult {
  if (status >= 200 && status < 300) return { kind: "sent", response };
  if (status === 410) return { kind: "permanent", reason: "webhook receiver answered 410 Gone", disableChannel: true, response };
  if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status)) {
    return { kind: "permanent", reason: `webhook receiver answered ${status}`, response };
  }
  const afterMs = retryAfterMs(headers["retry-after"], nowMs);
  const what = status >= 300 && status < 400 ? `redirect ${status} (not followed)` : `${status}`;
  return { kind: "retry", reason: `webhook receiver answered ${what}`, afterMs, response };
}

export interface WebhookChannelOptions {
  /** ALLOW_PRIVATE_WEBHOOK_TARGETS */
  allowPrivate: boolean;
  /** for the whole request (default 15 s); a receiver that hangs is retried */
  timeoutMs?: number;
  /** requests in flight per receiving host (default 4); more wait their turn */
  maxInFlightPerHost?: number;
  render: RenderWebhook;
  /** DNS, checked inside the connection's lookup; the system resolver by default */
  resolve?: ResolveHost;
  now?: () => Date;
  userAgent?: string;
}

/**
 * Signed webhooks (Standard Webhooks): `webhook-id` is the notification id, the same on every
 * retry, so receivers can de-duplicate; the signature covers id, timestamp and the exact body.
 * @example channels.webhook = createWebhookChannel({ allowPrivate: env.ALLOW_PRIVATE_WEBHOOK_TARGETS, render: renderWebhook });
 */
export function createWebhookChannel(opts: WebhookChannelOptions): Channel {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const hosts = createKeyedConcurrency({ limit: opts.maxInFlightPerHost ?? 4 });
  const now = opts.now ?? (() => new Date());
  const userAgent = opts.userAgent ?? "clausewatch-webhooks/1.0";

  return {
    async send(msg) {
      const secret = msg.channel.secret;
      if (!secret || !("signing_secret" in secret)) {
        return { kind: "permanent", reason: "webhook channel has no URL or signing secret", disableChannel: true };
      }
      let body: string;
      let signer: Webhook;
      let host: string;
      try {
        body = JSON.stringify(opts.render(msg));
        signer = new Webhook(secret.signing_secret);
        host = new URL(secret.url).host;
      } catch (err) {
        return { kind: "permanent", reason: `webhook not sendable: ${err instanceof Error ? err.message : String(err)}` };
      }

      return hosts.run(host, async () => {
        // Signed only now, after any wait for the host: receivers reject timestamps over 5 min old.
        const at = now();
        const outcome = await guardedRequest({
          url: secret.url,
          body,
          allowPrivate: opts.allowPrivate,
          timeoutMs,
          resolve: opts.resolve,
          headers: {
            "content-type": "application/json",
            "user-agent": userAgent,
            "webhook-id": msg.id,
            "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
            "webhook-signature": signer.sign(msg.id, at, body),
          },
        });
        return classifyWebhookOutcome(outcome, now().getTime());
      });
    },
  };
}
