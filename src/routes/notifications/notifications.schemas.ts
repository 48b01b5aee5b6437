import { z } from "@hono/zod-openapi";
import { NOTIFICATION_KINDS, NOTIFICATION_STATUSES } from "../../services/notifications";

export const NotificationSchema = z
  .object({
    id: z.string(),
    kind: z.enum(NOTIFICATION_KINDS),
    channel_id: z.string(),
    status: z.enum(NOTIFICATION_STATUSES),
    status_reason: z.string().nullable(),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    last_error: z.string().nullable(),
    provider_message_id: z.string().nullable(),
    event_ids: z.array(z.string()),
    created_at: z.string(),
    sent_at: z.string().nullable(),
  })
  .openapi("Notification");
