import type { NotificationWithEvents } from "../../services/notifications";

/** A notification as the contract shows it, with its events' producer ids. */
export function notificationJson(n: NotificationWithEvents) {
  return {
    id: n.id,
    kind: n.kind,
    // only a sign-up confirmation (no account yet, so never listed here) has no channel
    channel_id: n.channelId ?? "",
    status: n.status,
    status_reason: n.statusReason,
    attempts: n.attempts,
    next_attempt_at: n.status === "pending" || n.status === "sending" ? n.nextAttemptAt.toISOString() : null,
    last_error: n.lastError,
    provider_message_id: n.providerMessageId,
    event_ids: n.eventIds,
    created_at: n.createdAt.toISOString(),
    sent_at: n.sentAt?.toISOString() ?? null,
  };
}
