import type { SendResult } from "../types";

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
