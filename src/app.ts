import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { createOutboxMetrics } from "./delivery/metrics-outbox";
import type { Deps } from "./deps";
import type { AppEnv } from "./middleware/context";
import { errorHandler, notFound } from "./middleware/errors";
import { DEFAULT_REQUEST_TIMEOUT_MS, limitBody, requestDeadline } from "./middleware/limits";
import {
  createRateLimits,
  DEFAULT_PUBLIC_RATE_LIMIT_PER_MINUTE,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  PUBLIC_RATE_LIMITED_PATHS,
  publicRateLimit,
} from "./middleware/rate-limit";
import { securityHeaders } from "./middleware/security-headers";
import { adminRoutes } from "./routes/admin/admin.index";
import { auditRoutes } from "./routes/audit/audit.index";
import { catalogRoutes } from "./routes/catalog/catalog.index";
import { channelRoutes } from "./routes/channels/channels.index";
import { docsRoutes } from "./routes/docs/docs.index";
import { eventsRoutes } from "./routes/events/events.index";
import { healthRoutes } from "./routes/health/health.index";
import { jobsRoutes } from "./routes/jobs/jobs.index";
import { meRoutes } from "./routes/me/me.index";
import { metricsRoutes } from "./routes/metrics/metrics.index";
import { notificationRoutes } from "./routes/notifications/notifications.index";
import { serveOpenApiDocument } from "./routes/openapi-document";
import { preferencesRoutes } from "./routes/pages/preferences/preferences.index";
import { signInRoutes } from "./routes/pages/signin/signin.index";
import { signupPageRoutes } from "./routes/pages/signup/signup.index";
import { unsubscribeRoutes } from "./routes/pages/unsubscribe/unsubscribe.index";
import { verifyRoutes } from "./routes/pages/verify/verify.index";
import { providerRoutes } from "./routes/providers/providers.index";
import { signupRoutes } from "./routes/signup/signup.index";
import { slackRoutes } from "./routes/slack/slack.index";
import { timelineRoutes } from "./routes/timeline/timeline.index";
import { watchlistRoutes } from "./routes/watchlist/watchlist.index";

/**
 * Builds the HTTP app from its dependencies. Imports nothing Node-only, so a Workers entry can
 * reuse it; nothing reads process.env from here on.
 *
 * @example const app = createApp(deps); const res = await app.request("/healthz");
 */
export function createApp(given: Deps) {
  const deps = withDefaults(given);
  const app = new OpenAPIHono<AppEnv>();

  app.use("*", requestId({ generator: () => crypto.randomUUID() }));
  app.use("*", securityHeaders);
  app.use("*", async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  app.use("*", requestDeadline(given.config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS));
  app.onError(errorHandler(deps.log));
  app.use("*", limitBody);
  app.notFound(notFound);

  // Before the routes, so a spent budget answers 429 before any handler runs. User API routes are
  // limited inside requireUser, once the key is known; ingest, operator and ops routes never are.
  for (const path of PUBLIC_RATE_LIMITED_PATHS) app.use(path, publicRateLimit);

  app.route("/", healthRoutes);
  app.route("/", adminRoutes);
  app.route("/", meRoutes);
  app.route("/", catalogRoutes);
  app.route("/", watchlistRoutes);
  app.route("/", channelRoutes);
  app.route("/", eventsRoutes);
  app.route("/", notificationRoutes);
  app.route("/", timelineRoutes);
  app.route("/", auditRoutes);
  app.route("/", jobsRoutes);
  app.route("/", unsubscribeRoutes);
  app.route("/", preferencesRoutes);
  app.route("/", verifyRoutes);
  app.route("/", signInRoutes);
  app.route("/", signupRoutes);
  app.route("/", signupPageRoutes);
  app.route("/", slackRoutes);
  app.route("/", providerRoutes);
  app.route("/", metricsRoutes);
  app.route("/", docsRoutes);

  serveOpenApiDocument(app, deps.config.publicUrl);
  return app;
}

/** What createApp supplies when the entry did not: in-memory rate limits and outbox metrics. */
function withDefaults(given: Deps) {
  return {
    ...given,
    // prom-client stays out of this module (and the Worker bundle): the Node entry injects it
    metrics: given.metrics ?? createOutboxMetrics(),
    rateLimits:
      given.rateLimits ??
      createRateLimits({
        userPerMinute: given.config.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
        publicPerMinute: given.config.publicRateLimitPerMinute ?? DEFAULT_PUBLIC_RATE_LIMIT_PER_MINUTE,
      }),
  };
}

export type App = ReturnType<typeof createApp>;
