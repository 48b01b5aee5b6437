import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq, gt, isNull, or } from "drizzle-orm";
import { channelFingerprint, newSigningSecret, redactUrl, sealSecret } from "../db/queries/channels";
import { channelLimitMessage, countedChannels, lockUser } from "../db/queries/limits";
import { channels, notifications } from "../db/schema";
import type { Db } from "../db/types";
import { checkWebhookUrl } from "../delivery/ssrf";
import { ApiError, isUniqueViolation, notFound } from "../lib/errors";
import { decodeCursor, page } from "../lib/pagination";
import { ENTITLEMENTS, effectiveTier } from "../lib/tiers";
import { requireUser } from "./auth";
import { bearer, createRouter, describeIssues, errors, IdParam, json, jsonBody, listOf, PageQuery } from "./common";
import { ChannelSchema, email } from "./schemas";
import { channelJson } from "./serialize";

/** Loose on purpose: the tier is checked before the fields (a free user's webhook is a 403 whatever the URL). */
const CreateChannelBody = z
  .object({
    type: z.enum(["email", "slack", "webhook"]),
    address: z.string().max(1000).optional(),
    bot_token: z.string().max(1000).optional(),
    channel: z.string().max(1000).optional(),
    url: z.string().max(4000).optional(),
  })
  .openapi("CreateChannel");

const EmailFields = z.object({ address: email });
const SlackFields = z.object({
  bot_token: z.string().regex(/^xox[a-z]-[A-Za-z0-9-]{8,250}$/, "must be a Slack token (xoxb-…)"),
  channel: z.string().regex(/^#?[A-Za-z0-9._-]{1,80}$/, "must be a channel id or #name"),
});
const WebhookFields = z.object({ url: z.string().min(1).max(2048) });

function fields<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new ApiError("invalid_request", describeIssues(r.error.issues));
  return r.data;
}

const PatchChannelBody = z.object({ enabled: z.boolean() }).partial().strict().openapi("PatchChannel");

const ownChannel = async (db: Db, userId: string, id: string) => {
  const [ch] = await db
    .select()
    .from(channels)
    .where(and(eq(channels.id, id), eq(channels.userId, userId), isNull(channels.deletedAt)))
    .limit(1);
  if (!ch) throw notFound("channel");
  return ch;
};

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
      const body = c.req.valid("json");
      const { database, clock, keys, config, resolveHost } = c.get("deps");
      const now = clock.now();
      try {
        const { row, signingSecret } = await database.db.transaction(async (tx) => {
          const user = await lockUser(tx, c.get("user").id);
          const tier = effectiveTier(user, now);
          const e = ENTITLEMENTS[tier];
          if (!e.channelTypes.includes(body.type) || (await countedChannels(tx, user.id)) >= e.maxChannels) {
            throw new ApiError("tier_limit", channelLimitMessage(tier));
          }
          const base = { userId: user.id, type: body.type, createdAt: now, updatedAt: now };
          if (body.type === "email") {
            const { address } = fields(EmailFields, body);
            // Any address but the account's own waits for its confirmation link (double opt-in).
            const own = address.toLowerCase() === user.email.toLowerCase();
            const [row] = await tx
              .insert(channels)
              .values({
                ...base,
                target: address,
                fingerprint: await channelFingerprint("email", address.toLowerCase()),
                status: own ? "active" : "pending_verification",
                verifiedAt: own ? now : null,
              })
              .returning();
            return { row, signingSecret: undefined };
          }
          if (body.type === "slack") {
            const f = fields(SlackFields, body);
            const [row] = await tx
              .insert(channels)
              .values({
                ...base,
                target: f.channel,
                fingerprint: await channelFingerprint("slack", `${f.bot_token}\n${f.channel}`),
                secretEnc: await sealSecret(keys, { bot_token: f.bot_token }),
                status: "active",
                verifiedAt: now,
              })
              .returning();
            return { row, signingSecret: undefined };
          }
          const { url } = fields(WebhookFields, body);
          const check = await checkWebhookUrl(url, { allowPrivate: config.allowPrivateWebhookTargets, resolve: resolveHost });
          if (!check.ok) throw new ApiError("invalid_request", `url: ${check.reason}`);
          const signingSecret = newSigningSecret();
          const [row] = await tx
            .insert(channels)
            .values({
              ...base,
              target: redactUrl(check.url),
              fingerprint: await channelFingerprint("webhook", check.url.href),
              secretEnc: await sealSecret(keys, { url: check.url.href, signing_secret: signingSecret }),
              status: "active",
              verifiedAt: now,
            })
            .returning();
          return { row, signingSecret };
        });
        return c.json({ ...channelJson(row), ...(signingSecret ? { signing_secret: signingSecret } : {}) }, 201);
      } catch (e) {
        if (isUniqueViolation(e, "channels_user_fingerprint_key")) throw new ApiError("conflict", "an identical channel exists");
        throw e;
      }
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
      const now = clock.now();
      const row = await database.db.transaction(async (tx) => {
        const user = await lockUser(tx, c.get("user").id);
        const ch = await ownChannel(tx, user.id, id);
        const counted = ch.status === "active" || ch.status === "pending_verification";
        if (enabled === false && ch.status !== "disabled") {
          const [r] = await tx
            .update(channels)
            .set({ status: "disabled", statusReason: "user", updatedAt: now })
            .where(eq(channels.id, ch.id))
            .returning();
          return r;
        }
        if (enabled === true && !counted) {
          const tier = effectiveTier(user, now);
          const e = ENTITLEMENTS[tier];
          const typeOk = ch.isAccountEmail || e.channelTypes.includes(ch.type);
          if (!typeOk || (await countedChannels(tx, user.id)) >= e.maxChannels) {
            throw new ApiError("tier_limit", channelLimitMessage(tier));
          }
          const [r] = await tx
            .update(channels)
            .set({ status: ch.verifiedAt ? "active" : "pending_verification", statusReason: null, updatedAt: now })
            .where(eq(channels.id, ch.id))
            .returning();
          return r;
        }
        return ch;
      });
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
      const now = clock.now();
      await database.db.transaction(async (tx) => {
        const ch = await ownChannel(tx, c.get("user").id, id);
        if (ch.isAccountEmail) throw new ApiError("forbidden", "the account email channel cannot be deleted; disable it instead");
        await tx
          .update(channels)
          .set({ deletedAt: now, status: "disabled", statusReason: "deleted", updatedAt: now })
          .where(eq(channels.id, ch.id));
        await tx
          .update(notifications)
          .set({ status: "suppressed", statusReason: "channel_deleted", groupOpen: false, updatedAt: now })
          .where(and(eq(notifications.channelId, ch.id), eq(notifications.status, "pending")));
      });
      return c.body(null, 204);
    },
  );
