import type { IncomingHttpHeaders } from "node:http";
import { type ResolveHost, resolveHost } from "../../lib/resolve";
import { signWebhook, webhookKey } from "../../lib/webhook-signature";
import { type GuardedOutcome, type GuardedRequestOptions, guardedLookup, guardedRequest } from "../guarded-request";
import { createKeyedConcurrency, retryAfterMs } from "../pacing";
import type { Channel, RenderWebhook, SendResult } from "../types";
import { createWebhookAgents, type WebhookAgentOptions, type WebhookAgents } from "../webhook-agent";

/*
 * The contract ("What receivers get"): 2xx delivered; 410 disables the channel; other 4xx fail at
 * once, except the four that say "not now" — 408 (timeout), 409 (conflict, e.g. a receiver still
 * processing this webhook-id), 425 (too early), 429 (rate limited); those, 3xx (redirects are not
 * followed: a moved endpoint must be updated by its owner, and following could lead anywhere),
 * 5xx, timeouts and network errors retry on the schedule, honouring Retry-After.
 */
const RETRYABLE_4XX = new Set([408, 409, 425, 429]);

function classifyWebhookOutcome(outcome: GuardedOutcome, nowMs: number = Date.now()): SendResult {
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

interface WebhookChannelOptions {
  /** ALLOW_PRIVATE_WEBHOOK_TARGETS */
  allowPrivate: boolean;
  /** for the whole request (default 15 s); a receiver that hangs is retried */
  timeoutMs?: number;
  /** requests in flight per receiving host (default 4); more wait their turn */
  maxInFlightPerHost?: number;
  render: RenderWebhook;
  /** DNS, checked inside the connection's lookup; the system resolver by default */
  resolve?: ResolveHost;
  /**
   * how the request is made: node:http with the DNS-checking lookup by default; the Worker passes
   * `fetchGuardedRequest` (delivery/fetch-request.ts), which cannot see DNS
   */
  request?: (o: GuardedRequestOptions) => Promise<GuardedOutcome>;
  now?: () => Date;
  userAgent?: string;
  /** connection pool tuning (idle timeout, socket age); sockets per host follow `maxInFlightPerHost` */
  pool?: Pick<WebhookAgentOptions, "idleMs" | "maxSocketAgeMs">;
}

/** A webhook channel also owns its connection pool (none when `request` is given): for tests and shutdown. */
export type WebhookChannel = Channel & { agents: WebhookAgents | null };

/**
 * Signed webhooks (Standard Webhooks): `webhook-id` is the notification id, the same on every
 * retry, so receivers can de-duplicate; the signature covers id, timestamp and the exact body.
 * On Node the POSTs go over keep-alive connections (webhook-agent.ts says why the SSRF guard
 * still holds), at most `maxInFlightPerHost` per receiver.
 * @example channels.webhook = createWebhookChannel({ allowPrivate: env.ALLOW_PRIVATE_WEBHOOK_TARGETS, render: renderWebhook });
 */
export function createWebhookChannel(opts: WebhookChannelOptions): WebhookChannel {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const perHost = opts.maxInFlightPerHost ?? 4;
  const hosts = createKeyedConcurrency({ limit: perHost });
  const now = opts.now ?? (() => new Date());
  const userAgent = opts.userAgent ?? "clausewatch-webhooks/1.0";
  const request = opts.request ?? guardedRequest;
  // The pool belongs to node:http's request; as many sockets per receiver as sends in flight to it.
  const agents = opts.request
    ? null
    : createWebhookAgents({
        lookup: guardedLookup(opts.resolve ?? resolveHost, opts.allowPrivate),
        maxSocketsPerHost: perHost,
        ...opts.pool,
      });
  /**
   * HMAC keys by secret object: compose opens a channel's secret once per batch and hands every
   * message of that channel the same object, so its key is decoded once per batch too.
   */
  const keys = new WeakMap<object, Uint8Array>();
  const keyFor = (secret: { signing_secret: string }) => {
    let key = keys.get(secret);
    if (!key) {
      key = webhookKey(secret.signing_secret);
      keys.set(secret, key);
    }
    return key;
  };

  return {
    agents,
    async send(msg) {
      const secret = msg.channel.secret;
      if (!secret || !("signing_secret" in secret)) {
        return { kind: "permanent", reason: "webhook channel has no URL or signing secret", disableChannel: true };
      }
      let body: string;
      let key: Uint8Array;
      let host: string;
      try {
        body = JSON.stringify(opts.render(msg));
        key = keyFor(secret);
        host = new URL(secret.url).host;
      } catch (err) {
        return { kind: "permanent", reason: `webhook not sendable: ${err instanceof Error ? err.message : String(err)}` };
      }

      return hosts.run(host, async () => {
        // Signed only now, after any wait for the host: receivers reject timestamps over 5 min old.
        const ts = Math.floor(now().getTime() / 1000);
        const outcome = await request({
          url: secret.url,
          body,
          allowPrivate: opts.allowPrivate,
          timeoutMs,
          resolve: opts.resolve,
          agents: agents ?? undefined,
          headers: {
            "content-type": "application/json",
            "user-agent": userAgent,
            "webhook-id": msg.id,
            "webhook-timestamp": String(ts),
            "webhook-signature": signWebhook(key, msg.id, ts, body),
          },
        });
        return classifyWebhookOutcome(outcome, now().getTime());
      });
    },
  };
}
