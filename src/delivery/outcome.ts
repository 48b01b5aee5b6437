import type { LogFields } from "../lib/log";
import type { DeliveryOutcome } from "./metrics";
import type { Claimed, Outcome } from "./outbox";
import { nextRetryDelay } from "./retry";
import type { OutboundMessage, SendResult } from "./types";

/*
 * What the dispatcher writes and logs for a provider's answer. Pure: the clock and the jitter
 * come in, so every mapping is testable without a database or a provider.
 */

/** While our own provider credentials are refused, a held message is looked at again this often. */
const HELD_RETRY_MS = 60_000;

/** A provider's answer is stored (and a reason logged) cut to this many characters, then "…". */
export const cutText = (s: string | undefined, n = 1000) => (s && s.length > n ? `${s.slice(0, n)}…` : (s ?? null));

/** A channel a provider said is gone for good (webhook 410, Slack channel and auth errors). */
export interface ChannelDisable {
  id: string;
  reason: string;
}

/**
 * The outbox update one provider answer calls for: sent; failed (permanent, or the retry
 * schedule spent); pending again after the schedule's next delay (`retry`); or pending without
 * using up an attempt while our own credentials are refused (`held`).
 *
 * @example outcomeFor({ id, attempts: 1 }, { kind: "retry", reason: "503" }, now, () => 0.5) // pending, now + 5 s
 */
export function outcomeFor(c: Pick<Claimed, "id" | "attempts">, r: SendResult, now: Date, random: () => number): Outcome {
  const base = { id: c.id, attempts: c.attempts };
  switch (r.kind) {
    case "sent":
      return { ...base, status: "sent", providerMessageId: r.providerId ?? null, lastResponse: cutText(r.response) };
    case "held":
      return {
        ...base,
        status: "pending",
        countAttempt: false,
        nextAttemptAt: new Date(now.getTime() + HELD_RETRY_MS),
        lastError: `held: ${r.reason}`,
      };
    case "permanent":
      return { ...base, status: "failed", statusReason: "permanent", lastError: r.reason, lastResponse: cutText(r.response) };
    case "retry": {
      const delay = nextRetryDelay(c.attempts, r.afterMs, random);
      if (delay === null) {
        return {
          ...base,
          status: "failed",
          statusReason: "retries_exhausted",
          lastError: r.reason,
          lastResponse: cutText(r.response),
        };
      }
      return {
        ...base,
        status: "pending",
        nextAttemptAt: new Date(now.getTime() + delay),
        lastError: r.reason,
        lastResponse: cutText(r.response),
      };
    }
  }
}

/** The `outcome` label of the delivery counter and log line. */
export function deliveryOutcome(outcome: Outcome, r: SendResult): DeliveryOutcome {
  if (outcome.status === "sent") return "sent";
  if (outcome.status === "failed") return "failed";
  return r.kind === "held" ? "held" : "retry";
}

/** The channel to disable after this answer, if the provider said the target is gone. */
export function channelToDisable(channelId: string, r: SendResult): ChannelDisable | undefined {
  return r.kind === "permanent" && r.disableChannel ? { id: channelId, reason: r.reason } : undefined;
}

/**
 * Hands a claimed row back: pending and due now; `countAttempt` for rows whose send may have
 * gone out (abandoned in flight), not for rows never sent.
 */
export const handBack = (c: Pick<Claimed, "id" | "attempts">, countAttempt: boolean, now: Date): Outcome => ({
  id: c.id,
  attempts: c.attempts,
  status: "pending",
  countAttempt,
  nextAttemptAt: now,
});

/**
 * The `delivery` log line of one attempt. Never the message, the target or the provider's raw
 * answer: they can carry addresses and tokens.
 */
export function deliveryLogFields(
  c: Pick<Claimed, "id" | "kind" | "attempts">,
  msg: Pick<OutboundMessage, "channel">,
  r: SendResult,
  result: DeliveryOutcome,
  latencyMs: number,
): LogFields {
  return {
    notification_id: c.id,
    kind: c.kind,
    channel_id: msg.channel.id,
    channel_type: msg.channel.type,
    outcome: result,
    attempt: c.attempts,
    latency_ms: Math.round(latencyMs),
    ...(result === "sent" ? {} : { reason: r.kind === "sent" ? null : cutText(r.reason, 200) }),
  };
}
