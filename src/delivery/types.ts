import type { ChannelSecret } from "../db/queries/channels";
import type { NotificationKind } from "../db/schema/notifications";
import type { MessageContent } from "../lib/messages";
import type { Tier } from "../lib/tiers";

/** Everything a channel needs to deliver one notification; built by the dispatcher. */
export interface OutboundMessage {
  /** the notification id: Resend Idempotency-Key, webhook-id, stable across retries */
  id: string;
  kind: NotificationKind;
  createdAt: Date;
  attempt: number;
  user: { id: string; email: string; tier: Tier; timezone: string };
  channel: { id: string; type: "email" | "slack" | "webhook"; target: string; secret: ChannelSecret | null };
  content: MessageContent;
  links: {
    /** PUBLIC_URL/preferences?token=… */
    manage: string;
    /** PUBLIC_URL/unsubscribe/<token>, scoped to this message kind */
    unsubscribe: string;
  };
}

/**
 * What a channel reports; the dispatcher alone decides the notification's state.
 * - sent: delivered (provider id when there is one)
 * - retry: transient (429, 5xx, timeouts, network); `afterMs` from Retry-After when given
 * - permanent: this message will never go through; `disableChannel` when the target is gone
 *   (webhook 410, Slack channel/auth errors)
 * - held: *our* configuration is wrong (Resend 401/403): nothing is failed, sends wait
 */
export type SendResult =
  | { kind: "sent"; providerId?: string; response?: string }
  | { kind: "retry"; reason: string; afterMs?: number; response?: string }
  | { kind: "permanent"; reason: string; disableChannel?: boolean; response?: string }
  | { kind: "held"; reason: string };

export interface Channel {
  send(msg: OutboundMessage): Promise<SendResult>;
}

export type Channels = Record<"email" | "slack" | "webhook", Channel>;

/** An email ready for a provider: both parts and the bulk-sender headers. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** List-Unsubscribe, List-Unsubscribe-Post, List-Id */
  headers: Record<string, string>;
}

/** A Slack message: Block Kit (≤ 50 blocks, section text ≤ 3,000 chars) and the plain fallback. */
export interface RenderedSlack {
  text: string;
  blocks: Record<string, unknown>[];
}

/** The webhook body (contract): `{"type", "id", "created_at", "data"}`. */
export interface WebhookPayload {
  type: NotificationKind;
  id: string;
  created_at: string;
  data: Record<string, unknown>;
}

export type RenderEmail = (msg: OutboundMessage) => Promise<RenderedEmail>;
export type RenderSlack = (msg: OutboundMessage) => RenderedSlack;
export type RenderWebhook = (msg: OutboundMessage) => WebhookPayload;
