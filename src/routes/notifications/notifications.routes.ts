import { createRoute, z } from "@hono/zod-openapi";
import { requireUser } from "../../middleware/auth";
import { NOTIFICATION_KINDS, NOTIFICATION_STATUSES } from "../../services/notifications";
import { bearer, errors, IdParam, json, listOf, PageQuery } from "../common";
import { NotificationSchema } from "./notifications.schemas";

const ListQuery = PageQuery.extend({
  kind: z.enum(NOTIFICATION_KINDS).optional(),
  status: z.enum(NOTIFICATION_STATUSES).optional(),
});

const tags = ["notifications"];
const security = bearer;
const middleware = [requireUser];

export const list = createRoute({
  method: "get",
  path: "/v1/notifications",
  operationId: "listNotifications",
  tags,
  security,
  middleware,
  summary: "The user's notifications, newest first",
  request: { query: ListQuery },
  responses: {
    200: json(listOf(NotificationSchema, "NotificationList"), "Notifications"),
    400: errors[400],
    401: errors[401],
  },
});

export const getOne = createRoute({
  method: "get",
  path: "/v1/notifications/{id}",
  operationId: "getNotification",
  tags,
  security,
  middleware,
  summary: "One notification, with its delivery state",
  request: { params: IdParam },
  responses: { 200: json(NotificationSchema, "The notification"), 401: errors[401], 404: errors[404] },
});

export const resend = createRoute({
  method: "post",
  path: "/v1/notifications/{id}/resend",
  operationId: "resendNotification",
  tags,
  security,
  middleware,
  summary: "Send a failed notification again (a fresh retry schedule)",
  request: { params: IdParam },
  responses: { 202: json(NotificationSchema, "Queued again"), 401: errors[401], 404: errors[404], 409: errors[409] },
});
