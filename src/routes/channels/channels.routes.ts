import { createRoute, z } from "@hono/zod-openapi";
import { requireUser } from "../../middleware/auth";
import { bearer, errors, IdParam, json, jsonBody, listOf, PageQuery } from "../common";
import { NotificationSchema } from "../notifications/notifications.schemas";
import { ChannelSchema } from "../schemas";

/**
 * Loose on purpose: the tier is checked before the fields (a free user's webhook is a 403 whatever
 * the URL, a number or a megabyte of text included); the service then validates the fields of the
 * type. The documented types are what it accepts.
 */
const field = (description: string) => z.unknown().optional().openapi({ type: "string", description });
const CreateChannelBody = z
  .object({
    type: z.enum(["email", "slack", "webhook"]),
    address: field("email: the address (another than the account's waits for its confirmation link)"),
    bot_token: field("slack: a bot token (xoxb-…)"),
    channel: field("slack: a channel id or #name"),
    url: field("webhook: an http(s) URL reaching a public address"),
  })
  .openapi("CreateChannel");

const PatchChannelBody = z.object({ enabled: z.boolean() }).partial().strict().openapi("PatchChannel");

/** The reference's examples, one per channel type. */
const CREATE_CHANNEL_EXAMPLES = {
  email: {
    summary: "Email (an address other than the account's gets a confirmation link first)",
    value: { type: "email", address: "legal-team@example.com" },
  },
  slack: {
    summary: "Slack, with a bot token invited to the channel",
    value: { type: "slack", bot_token: "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx", channel: "#terms-watch" },
  },
  webhook: {
    summary: "A signed webhook (Standard Webhooks; the answer carries its signing secret, once)",
    value: { type: "webhook", url: "https://hooks.example.com/clausewatch" },
  },
} satisfies Record<string, { summary: string; value: z.input<typeof CreateChannelBody> }>;

const CHANNEL_EXAMPLE: z.infer<typeof ChannelSchema> = {
  id: "chn_9d2e4f6a8b0c1e3f5a7b9c1d3e5f7a90",
  type: "webhook",
  target: "https://hooks.example.com/clausewatch",
  status: "active",
  status_reason: null,
  created_at: "2026-05-09T15:04:37.120Z",
  signing_secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
};

const tags = ["channels"];
const security = bearer;
const middleware = [requireUser];

export const list = createRoute({
  method: "get",
  path: "/v1/channels",
  operationId: "listChannels",
  tags,
  security,
  middleware,
  summary: "The user's delivery channels",
  request: { query: PageQuery },
  responses: { 200: json(listOf(ChannelSchema, "ChannelList"), "Channels"), 400: errors[400], 401: errors[401] },
});

export const create = createRoute({
  method: "post",
  path: "/v1/channels",
  operationId: "createChannel",
  tags,
  security,
  middleware,
  summary: "Add an email, Slack or webhook channel (webhooks get their signing secret, once)",
  request: { body: jsonBody(CreateChannelBody, CREATE_CHANNEL_EXAMPLES) },
  responses: {
    201: json(ChannelSchema, "The channel (a webhook's carries its signing secret, this once)", CHANNEL_EXAMPLE),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    409: errors[409],
  },
});

export const getOne = createRoute({
  method: "get",
  path: "/v1/channels/{id}",
  operationId: "getChannel",
  tags,
  security,
  middleware,
  summary: "One channel",
  request: { params: IdParam },
  responses: { 200: json(ChannelSchema, "The channel"), 401: errors[401], 404: errors[404] },
});

export const patch = createRoute({
  method: "patch",
  path: "/v1/channels/{id}",
  operationId: "updateChannel",
  tags,
  security,
  middleware,
  summary: "Enable or disable a channel",
  request: { params: IdParam, body: jsonBody(PatchChannelBody) },
  responses: {
    200: json(ChannelSchema, "The channel"),
    400: errors[400],
    401: errors[401],
    403: errors[403],
    404: errors[404],
  },
});

export const remove = createRoute({
  method: "delete",
  path: "/v1/channels/{id}",
  operationId: "deleteChannel",
  tags,
  security,
  middleware,
  summary: "Remove a channel (its history stays in the audit trail)",
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" }, 401: errors[401], 403: errors[403], 404: errors[404] },
});

export const test = createRoute({
  method: "post",
  path: "/v1/channels/{id}/test",
  operationId: "testChannel",
  tags,
  security,
  middleware,
  summary: "Send a test message to a channel now",
  request: { params: IdParam },
  responses: { 202: json(NotificationSchema, "The test notification"), 401: errors[401], 404: errors[404], 409: errors[409] },
});
