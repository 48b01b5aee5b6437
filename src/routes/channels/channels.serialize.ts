import type { ChannelRow } from "../../services/channels";

export function channelJson(ch: ChannelRow) {
  return {
    id: ch.id,
    type: ch.type,
    target: ch.target,
    status: ch.status,
    status_reason: ch.statusReason,
    created_at: ch.createdAt.toISOString(),
  };
}
