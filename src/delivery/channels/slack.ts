// The package is CommonJS: in ESM only the default import is reliable (named exports fail to load).

// type-only: erased at run time, so the CommonJS named-export problem does not apply
import type { Block, KnownBlock } from "@slack/web-api";
import slack from "@slack/web-api";
import type { Channel, SendResult } from "../types";
import { classifySlackCode, pacedSlackChannel, type SlackPacingOptions } from "./slack-errors";

type WebClient = InstanceType<typeof slack.WebClient>;

function classifySlackError(err: unknown): SendResult {
  if (err instanceof slack.WebAPIRateLimitedError) {
    return { kind: "retry", reason: `Slack rate limited (retry after ${err.retryAfter} s)`, afterMs: err.retryAfter * 1000 };
  }
  if (err instanceof slack.WebAPIPlatformError) {
    return classifySlackCode(err.data.error, err.data.response_metadata?.retryAfter);
  }
  if (err instanceof slack.WebAPIHTTPError) {
    // Slack uses no other status codes on purpose: 5xx is an outage, anything else a proxy in between.
    const body = typeof err.body === "string" ? err.body.slice(0, 1024) : undefined;
    return { kind: "retry", reason: `Slack HTTP ${err.statusCode}`, response: body };
  }
  if (err instanceof slack.WebAPIRequestError) {
    return { kind: "retry", reason: `Slack unreachable: ${err.original.message}` };
  }
  // e.g. a 429 without a usable Retry-After, which the SDK reports as a plain Error
  return { kind: "retry", reason: `Slack call failed: ${err instanceof Error ? err.message : String(err)}` };
}

interface SlackChannelOptions extends SlackPacingOptions {
  /** SLACK_API_URL, e.g. `http://127.0.0.1:PORT/api/`; Slack's when unset */
  apiUrl?: string;
  /** per request (default 10 s); an abort is retried */
  timeoutMs?: number;
  /** how many per-token clients are kept (default 500) */
  maxClients?: number;
}

/**
 * Slack through `chat.postMessage` with the channel's bot token. The SDK's own retries are off
 * (the outbox retries on its schedule) and rate-limited calls are rejected, not waited out.
 * @example channels.slack = createSlackChannel({ apiUrl: env.SLACK_API_URL, render: renderSlack });
 */
export function createSlackChannel(opts: SlackChannelOptions): Channel {
  const maxClients = opts.maxClients ?? 500;
  const clients = new Map<string, WebClient>();

  const clientFor = (token: string): WebClient => {
    let client = clients.get(token);
    if (client) {
      // refresh its place: the map's insertion order is the eviction order
      clients.delete(token);
    } else {
      client = new slack.WebClient(token, {
        slackApiUrl: opts.apiUrl,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: opts.timeoutMs ?? 10_000,
        logLevel: slack.LogLevel.ERROR,
      });
    }
    clients.set(token, client);
    if (clients.size > maxClients) clients.delete(clients.keys().next().value as string);
    return client;
  };

  return pacedSlackChannel(opts, async (token, channel, rendered) => {
    try {
      const res = await clientFor(token).chat.postMessage({
        channel,
        text: rendered.text,
        // the renderer builds Block Kit as plain objects; Slack validates them (invalid_blocks)
        blocks: rendered.blocks as unknown as (KnownBlock | Block)[],
      });
      return { kind: "sent", providerId: res.ts };
    } catch (err) {
      return classifySlackError(err);
    }
  });
}
