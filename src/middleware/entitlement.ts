import { createMiddleware } from "hono/factory";
import { ApiError } from "../lib/errors";
import { ENTITLEMENTS, effectiveTier } from "../lib/tiers";
import type { AppEnv } from "./context";

/**
 * 403 `tier_limit` unless the caller's tier (trial included) has the feature. Put after
 * requireUser and before the validators: tier limits are checked before anything else about a
 * request (contract), so a free user learns about the plan, not about a malformed query.
 *
 * @example createRoute({ …, middleware: [requireUser, requireFeature("timeline", "the governance timeline")] })
 */
export const requireFeature = (feature: "timeline" | "auditExport", what: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const tier = effectiveTier(c.get("user"), c.get("deps").clock.now());
    if (!ENTITLEMENTS[tier][feature]) {
      throw new ApiError("tier_limit", `${what} is part of the professional tier; this account is ${tier}`);
    }
    await next();
  });
