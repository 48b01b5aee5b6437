import { createMiddleware } from "hono/factory";
import { timingSafeEqualStr } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { userByApiKey } from "../services/users";
import type { AppEnv } from "./context";
import { userRateLimit } from "./rate-limit";

export type { AuthedUser } from "./context";

function bearerToken(header: string | undefined): string | undefined {
  const m = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return m?.[1];
}

/** Users authenticate with their API key; only its SHA-256 is stored, so lookup is by hash. */
export const requireUser = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (!token || token.length > 200) throw new ApiError("unauthorized", "missing or invalid API key");
  const user = await userByApiKey(c.get("deps").database.db, token);
  if (!user) throw new ApiError("unauthorized", "missing or invalid API key");
  c.set("user", user);
  // Counted only once authenticated: a bad key is a 401, not a charge on someone's budget.
  await userRateLimit(c, next);
});

/** The operator (the site) uses ADMIN_TOKEN; compared in constant time. It is not a user key. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("authorization"));
  if (!token || !(await timingSafeEqualStr(token, c.get("deps").config.adminToken))) {
    throw new ApiError("unauthorized", "missing or invalid operator token");
  }
  await next();
});

/**
 * `/metrics`: with METRICS_TOKEN set, that bearer token (compared in constant time); without it,
 * anyone on the network that reaches the port.
 */
export const requireMetricsToken = createMiddleware<AppEnv>(async (c, next) => {
  const { metricsToken } = c.get("deps").config;
  if (metricsToken) {
    const token = bearerToken(c.req.header("authorization"));
    if (!token || !(await timingSafeEqualStr(token, metricsToken))) {
      throw new ApiError("unauthorized", "missing or invalid metrics token");
    }
  }
  await next();
});
