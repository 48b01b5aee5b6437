import { requestSignup } from "../../services/signup";
import type { AppRouteHandler } from "../common";
import type * as routes from "./signup.routes";

export const create: AppRouteHandler<typeof routes.create> = async (c) => {
  const body = c.req.valid("json");
  const { database, clock, onQueued } = c.get("deps");
  const queued = await requestSignup(
    database.db,
    { email: body.email, platform: body.platform ?? null, plan: body.plan, timezone: body.timezone ?? null },
    clock.now(),
  );
  if (queued) onQueued?.();
  return c.json({ status: "check_your_email" as const }, 202);
};
