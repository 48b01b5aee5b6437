import type { Context } from "hono";
import { ApiError } from "../../lib/errors";
import { describeIssues } from "../../lib/validation";
import type { AppEnv } from "../../middleware/context";
import { checkRequestedWatchTier, createWatch, deleteWatch, ownWatch, updateWatch, watchesPage } from "../../services/watches";
import type { AppRouteHandler } from "../common";
import { watchJson } from "../serialize";
import type * as routes from "./watchlist.routes";

export const list: AppRouteHandler<typeof routes.list> = async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const p = await watchesPage(c.get("deps").database.db, c.get("user").id, cursor, limit);
  return c.json({ items: p.items.map(watchJson), next_cursor: p.next_cursor }, 200);
};

export const create: AppRouteHandler<typeof routes.create> = async (c) => {
  const body = c.req.valid("json");
  const { database, clock } = c.get("deps");
  const shape = {
    platform: body.platform,
    document: body.document ?? null,
    provision: body.provision ?? null,
    minSeverity: body.min_severity ?? null,
    categories: body.categories ?? null,
  };
  return c.json(watchJson(await createWatch(database.db, c.get("user").id, shape, clock.now())), 201);
};

export const getOne: AppRouteHandler<typeof routes.getOne> = async (c) =>
  c.json(watchJson(await ownWatch(c.get("deps").database.db, c.get("user").id, c.req.valid("param").id)), 200);

export const patch: AppRouteHandler<typeof routes.patch> = async (c) => {
  const { id } = c.req.valid("param");
  const body = c.req.valid("json");
  const { database, clock } = c.get("deps");
  return c.json(watchJson(await updateWatch(database.db, c.get("user").id, id, body, clock.now())), 200);
};

export const remove: AppRouteHandler<typeof routes.remove> = async (c) => {
  await deleteWatch(c.get("deps").database.db, c.get("user").id, c.req.valid("param").id);
  return c.body(null, 204);
};

type Issues = readonly { path: readonly PropertyKey[]; message: string }[];

/**
 * Validation hook: "tier limits are checked before anything else about a request", so a body
 * that fails validation is still a 403 when the tier could never allow what it asks for.
 */
export const tierFirst =
  (isPatch: boolean) => (result: { success: boolean; target: string; error?: { issues: Issues } }, c: Context<AppEnv>) =>
    result.success ? undefined : refuse(result.target, result.error?.issues ?? [], isPatch, c);

async function refuse(target: string, issues: Issues, isPatch: boolean, c: Context<AppEnv>): Promise<never> {
  if (target === "json") {
    const body: unknown = await c.req.json().catch(() => null);
    const { database, clock } = c.get("deps");
    await checkRequestedWatchTier(database.db, c.get("user"), body, isPatch, clock.now());
  }
  throw new ApiError("invalid_request", describeIssues(issues));
}
