import { insertNotification } from "../db/queries/notifications";
import type { NotificationRow } from "../db/schema/notifications";
import type { Db } from "../db/types";

/**
 * Account notices (a sign-in link, a sign-up's confirmation, a welcome): one outbox row of kind
 * `notice`, due at once. What the message says is fixed now, in `payload`; its links are signed
 * when the email is composed (delivery/compose.ts).
 */
export interface NoticePayload {
  /** unique per user (`notifications_notice_key`): the same notice is never queued twice */
  key: string;
  notice: string;
}

/** Who a notice goes to: an account's channel, or (a sign-up's confirmation) an address named in the payload. */
export interface NoticeRecipient {
  userId: string | null;
  channelId: string | null;
}

/** Queues a notice inside the caller's transaction; the caller wakes the dispatcher once it commits. */
export function queueNotice(db: Db, to: NoticeRecipient, payload: NoticePayload, now: Date): Promise<NotificationRow> {
  return insertNotification(db, {
    userId: to.userId,
    channelId: to.channelId,
    kind: "notice",
    payload,
    nextAttemptAt: now,
    createdAt: now,
    updatedAt: now,
  });
}
