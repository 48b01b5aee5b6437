import type { AppRouteHandler } from "../common";
import type * as routes from "./metrics.routes";

export const getMetrics: AppRouteHandler<typeof routes.getMetrics> = async (c) => {
  const { database, metrics, clock } = c.get("deps");
  const text = await metrics.render({ db: database.db, now: clock.now() });
  return c.text(text, 200, { "Content-Type": metrics.contentType });
};
