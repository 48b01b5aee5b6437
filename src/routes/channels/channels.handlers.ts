import {
  channelEnv,
  channelsPage,
  createChannel,
  deleteChannel,
  ownChannel,
  testChannel,
  updateChannel,
} from "../../services/channels";
import type { AppRouteHandler } from "../common";
import { notificationJson } from "../notifications/notifications.serialize";
import type * as routes from "./channels.routes";
import { channelJson } from "./channels.serialize";

export const list: AppRouteHandler<typeof routes.list> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const p = await channelsPage(c.get("deps").database.db, c.get("user").id, cursor, limit);
  return c.json({ items: p.items.map(channelJson), next_cursor: p.next_cursor }, 200);
};

export const create: AppRouteHandler<typeof routes.create> = async (c) => {
  const { type, ...body } = c.req.valid("json");
  const deps = c.get("deps");
  const created = await createChannel(deps.database.db, channelEnv(deps), c.get("user").id, type, body, deps.clock.now());
  if (created.verificationQueued) deps.onQueued?.();
  const secret = created.signingSecret ? { signing_secret: created.signingSecret } : {};
  return c.json({ ...channelJson(created.row), ...secret }, 201);
};

export const getOne: AppRouteHandler<typeof routes.getOne> = async (c) =>
  c.json(channelJson(await ownChannel(c.get("deps").database.db, c.get("user").id, c.req.valid("param").id)), 200);

export const patch: AppRouteHandler<typeof routes.patch> = async (c) => {
  const { database, clock } = c.get("deps");
  const row = await updateChannel(database.db, c.get("user").id, c.req.valid("param").id, c.req.valid("json"), clock.now());
  return c.json(channelJson(row), 200);
};

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  const { database, clock } = c.get("deps");
  await deleteChannel(database.db, c.get("user").id, c.req.valid("param").id, clock.now());
  return c.body(null, 204);
};

export const test: AppRouteHandler<typeof routes.test> = async (c) => {
  const { database, clock, onQueued } = c.get("deps");
  const n = await testChannel(database.db, c.get("user").id, c.req.valid("param").id, clock.now());
  onQueued?.();
  return c.json(notificationJson(n), 202);
};
