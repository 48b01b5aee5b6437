import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gt, isNull, or } from "drizzle-orm";
import { createChannel, deleteChannel, ownChannel, setChannelEnabled } from "../db/queries/channels";
import { channels } from "../db/schema";
import { decodeCursor, page } from "../lib/pagination";
import { requireUser } from "./auth";
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

const tags = ["channels"];
const security = bearer;
const middleware = [requireUser];

export const channelRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/channels",
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
      tags,
      security,
      middleware,
      summary: "Add an email, Slack or webhook channel (webhooks get their signing secret, once)",
      request: { body: jsonBody(CreateChannelBody) },
      responses: {
        201: json(ChannelSchema, "The channel"),
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
