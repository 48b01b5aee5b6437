import { outboxSummary } from "../../services/operator";
import { createUserAsOperator, updateUserAsOperator, userById, usersPage } from "../../services/users";
import type { AppRouteHandler } from "../common";
import { userJson } from "../serialize";
import type * as routes from "./admin.routes";

export const createUser: AppRouteHandler<typeof routes.createUser> = async (c) => {
  const { database, clock } = c.get("deps");
  const now = clock.now();
  const { user, apiKey } = await createUserAsOperator(database.db, c.req.valid("json"), now);
  return c.json({ user: userJson(user, now), api_key: apiKey }, 201);
};

export const listUsers: AppRouteHandler<typeof routes.listUsers> = async (c) => {
  const { limit, cursor, email, tier } = c.req.valid("query");
  const { database, clock } = c.get("deps");
  const now = clock.now();
  const p = await usersPage(database.db, { email, tier }, cursor, limit);
  return c.json({ items: p.items.map((u) => userJson(u, now)), next_cursor: p.next_cursor }, 200);
};

export const getUser: AppRouteHandler<typeof routes.getUser> = async (c) => {
  const { database, clock } = c.get("deps");
  return c.json(userJson(await userById(database.db, c.req.valid("param").id), clock.now()), 200);
};

export const updateUser: AppRouteHandler<typeof routes.updateUser> = async (c) => {
  const { database, clock } = c.get("deps");
  const now = clock.now();
  const user = await updateUserAsOperator(database.db, c.req.valid("param").id, c.req.valid("json"), now);
  return c.json(userJson(user, now), 200);
};

export const getOutboxStats: AppRouteHandler<typeof routes.getOutboxStats> = async (c) => {
  const { database, clock } = c.get("deps");
  return c.json(await outboxSummary(database.db, clock.now()), 200);
};
