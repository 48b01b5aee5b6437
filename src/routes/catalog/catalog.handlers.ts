import { loadCatalog } from "../../services/catalog";
import type { AppRouteHandler } from "../common";
import type * as routes from "./catalog.routes";

/** The cursor is the last slug of the previous page; anything else was not issued by this API. */
export const listPlatforms: AppRouteHandler<typeof routes.listPlatforms> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const { items, next_cursor } = await loadCatalog(c.get("deps").database.db, { cursor, limit });
  return c.json({ items, next_cursor }, 200);
};
