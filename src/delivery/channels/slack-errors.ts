import { createIntervalGate, type IntervalGate } from "../pacing";
import type { Channel, RenderSlack, SendResult } from "../types";

/*
 * Slack answers HTTP 200 with `{ok: false, error}` for nearly everything, 429 when rate limited.
 * - disable the channel: the token or the channel is gone for good (uninstalled app, revoked or
 *   expired token, archived or deleted channel, bot removed, scope withdrawn). Every later message
 *   would fail the same way until the user fixes the installation.
 * - retryable: Slack's own trouble (internal_error, fatal_error — where Slack itself says part of
 *   the work may have happened; a rare duplicate beats a lost alert —, service_unavailable,
 *   request_timeout) and rate limits reported in the body.
 * - terminal: any other platform error is about this message (invalid_blocks, msg_too_long, …).
 */
const DISABLING = new Set([
  "channel_not_found",
  "not_in_channel",
  "is_archived",
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "missing_scope",
  "no_permission",
]);
const RETRYABLE = new Set([
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
  "ratelimited",
  "rate_limited",
]);

/**
 * What a Slack platform error code (`{ok: false, error}`) means for the outbox; shared by the SDK
 * channel (slack.ts) and the Worker's fetch client (slack-fetch.ts).
 */
export function classifySlackCode(code: string, afterMs?: number): SendResult {
  const reason = `Slack ${code}`;
  if (DISABLING.has(code)) return { kind: "permanent", reason, disableChannel: true, response: code };
  if (RETRYABLE.has(code)) return { kind: "retry", reason, afterMs, response: code };
  return { kind: "permanent", reason, response: code };
}

/** What both Slack channels take besides their transport. */
export interface SlackPacingOptions {
  render: RenderSlack;
  /** spacing between messages to one Slack channel (default 1000 ms, Slack's guidance) */
  minIntervalMs?: number;
  /** when the spacing would make a send wait longer than this, answer retry instead (default 10 s) */
  maxPacingWaitMs?: number;
  gate?: IntervalGate;
}

/** One `chat.postMessage` with a bot token, classified: the part the SDK and fetch channels differ in. */
type SlackPost = (token: string, channel: string, rendered: ReturnType<RenderSlack>) => Promise<SendResult>;

/**
 * A Slack channel around a transport: the bot-token check, rendering, and pacing per Slack
 * channel (one message a second; a longer wait answers retry, and a rate limit holds the channel
 * for what Slack asked), shared by the SDK channel (slack.ts) and the Worker's (slack-fetch.ts).
 */
export function pacedSlackChannel(opts: SlackPacingOptions, post: SlackPost): Channel {
  const gate = opts.gate ?? createIntervalGate({ intervalMs: opts.minIntervalMs ?? 1000 });
  const maxWait = opts.maxPacingWaitMs ?? 10_000;
  return {
    async send(msg) {
      const secret = msg.channel.secret;
      if (!secret || !("bot_token" in secret)) {
        return { kind: "permanent", reason: "Slack channel has no bot token", disableChannel: true };
      }
      let rendered: ReturnType<RenderSlack>;
      try {
        rendered = opts.render(msg);
      } catch (err) {
        return { kind: "permanent", reason: `Slack render failed: ${err instanceof Error ? err.message : String(err)}` };
      }
      // channel ids are unique per workspace, and a token stands for one workspace
      const key = `${secret.bot_token}\n${msg.channel.target}`;
      const delay = gate.delayFor(key);
      if (delay > maxWait) return { kind: "retry", reason: "Slack channel paced (1 message/s)", afterMs: Math.ceil(delay) };
      await gate.acquire(key);
      const result = await post(secret.bot_token, msg.channel.target, rendered);
      if (result.kind === "retry" && result.afterMs) gate.holdFor(key, result.afterMs);
      return result;
    },
  };
}
