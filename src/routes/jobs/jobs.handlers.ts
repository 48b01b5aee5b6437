import { runDigestsNow } from "../../services/jobs";
import type { AppRouteHandler } from "../common";
import type * as routes from "./jobs.routes";

export const runDigests: AppRouteHandler<typeof routes.runDigests> = async (c) => {
  const body = c.req.valid("json") ?? {};
  const result = await runDigestsNow(c.get("deps"), body.now ? new Date(body.now) : undefined);
  return c.json(result, 200);
};
