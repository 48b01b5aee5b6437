import { signInLink } from "../../lib/links";
import { revokeAllSessions } from "../../services/sign-in";
import { rotateApiKey, updateMe } from "../../services/users";
import type { AppRouteHandler } from "../common";
import { userJson } from "../serialize";
import type * as routes from "./me.routes";

export const getMe: AppRouteHandler<typeof routes.getMe> = (c) => c.json(userJson(c.get("user"), c.get("deps").clock.now()), 200);

export const patchMe: AppRouteHandler<typeof routes.patchMe> = async (c) => {
  const { database, clock } = c.get("deps");
  const now = clock.now();
  const updated = await updateMe(database.db, c.get("user"), c.req.valid("json"), now);
  return c.json(userJson(updated, now), 200);
};

export const rotateKey: AppRouteHandler<typeof routes.rotateKey> = async (c) => {
  const { database, clock } = c.get("deps");
  const apiKey = await rotateApiKey(database.db, c.get("user").id, clock.now());
  return c.json({ api_key: apiKey }, 200);
};

export const preferencesLink: AppRouteHandler<typeof routes.preferencesLink> = async (c) => {
  const { keys, clock, config } = c.get("deps");
  const link = await signInLink(keys, config.publicUrl, c.get("user"), clock.now());
  return c.json({ url: link.url, expires_at: link.expiresAt.toISOString() }, 200);
};

export const revokeSessions: AppRouteHandler<typeof routes.revokeSessions> = async (c) => {
  const { database, clock } = c.get("deps");
  await revokeAllSessions(database.db, c.get("user").id, clock.now());
  return c.body(null, 204);
};
