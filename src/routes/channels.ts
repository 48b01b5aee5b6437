import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gt, isNull, or } from "drizzle-orm";
import { createChannel, deleteChannel, ownChannel, setChannelEnabled } from "../db/queries/channels";
import { channels } from "../db/schema";
import { decodeCursor, page } from "../lib/pagination";
import { requireUser } from "../middleware/auth";
import { bearer, createRouter, errors, IdParam, json, jsonBody, listOf, PageQuery } from "./common";
import { ChannelSchema } from "./schemas";
import { channelJson } from "./serialize";

/**
 * Loose on purpose: the tier is checked before the fields (a free user's webhook is a 403 whatever
 * the URL, a number or a megabyte of text included); the handler then validates the fields of the
 * type. The documented types are what the handler accepts.
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

export const channelRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/channels",
      operationId: "listChannels",
      tags,
      security,
      middleware,
      summary: "The user's delivery channels",
      request: { query: PageQuery },
      responses: { 200: json(listOf(ChannelSchema, "ChannelList"), "Channels"), 400: errors[400], 401: errors[401] },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid("query");
      const after = decodeCursor(cursor);
      const rows = await c
        .get("deps")
        .database.db.select()
        .from(channels)
        .where(
          and(
            eq(channels.userId, c.get("user").id),
            isNull(channels.deletedAt),
            after
              ? or(gt(channels.createdAt, after.at), and(eq(channels.createdAt, after.at), gt(channels.id, after.id)))
              : undefined,
          ),
        )
        .orderBy(asc(channels.createdAt), asc(channels.id))
        .limit(limit + 1);
      const p = page(rows, limit, (r) => ({ at: r.createdAt, id: r.id }));
      return c.json({ items: p.items.map(channelJson), next_cursor: p.next_cursor }, 200);
    },
  )
  .openapi(
    createRoute({
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
    }),
    async (c) => {
      const { type, ...body } = c.req.valid("json");
      const { database, clock, keys, config, resolveHost, onQueued } = c.get("deps");
      const env = { keys, allowPrivateWebhookTargets: config.allowPrivateWebhookTargets, resolveHost };
      const { row, signingSecret, verificationQueued } = await createChannel(
        database.db,
        env,
        c.get("user").id,
        type,
        body,
        clock.now(),
      );
      if (verificationQueued) onQueued?.();
      return c.json({ ...channelJson(row), ...(signingSecret ? { signing_secret: signingSecret } : {}) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/channels/{id}",
      operationId: "getChannel",
      tags,
      security,
      middleware,
      summary: "One channel",
      request: { params: IdParam },
      responses: { 200: json(ChannelSchema, "The channel"), 401: errors[401], 404: errors[404] },
    }),
    async (c) => c.json(channelJson(await ownChannel(c.get("deps").database.db, c.get("user").id, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
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
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { enabled } = c.req.valid("json");
      const { database, clock } = c.get("deps");
      const userId = c.get("user").id;
      // no field given: nothing to change (still a 404 for another user's id)
      const row =
        enabled === undefined
          ? await ownChannel(database.db, userId, id)
          : await setChannelEnabled(database.db, userId, id, enabled, clock.now());
      return c.json(channelJson(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/channels/{id}",
      operationId: "deleteChannel",
      tags,
      security,
      middleware,
      summary: "Remove a channel (its history stays in the audit trail)",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" }, 401: errors[401], 403: errors[403], 404: errors[404] },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { database, clock } = c.get("deps");
      await deleteChannel(database.db, c.get("user").id, id, clock.now());
      return c.body(null, 204);
    },
  );
