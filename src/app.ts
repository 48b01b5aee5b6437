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

  // Chained, so the returned app carries every operation's types (hono/testing's testClient, AppType).
  const routed = app
    .route("/", healthRoutes)
    .route("/", adminRoutes)
    .route("/", meRoutes)
    .route("/", catalogRoutes)
    .route("/", watchlistRoutes)
    .route("/", channelRoutes)
    .route("/", eventsRoutes)
    .route("/", notificationRoutes)
    .route("/", timelineRoutes)
    .route("/", auditRoutes)
    .route("/", jobsRoutes)
    .route("/", unsubscribeRoutes)
    .route("/", preferencesRoutes)
    .route("/", verifyRoutes)
    .route("/", signInRoutes)
    .route("/", signupRoutes)
    .route("/", signupPageRoutes)
    .route("/", slackRoutes)
    .route("/", providerRoutes)
    .route("/", metricsRoutes)
    .route("/", docsRoutes);

  serveOpenApiDocument(app, deps.config.publicUrl);
  return routed;
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

/** The app's type with every route: `testClient(app)` and `hc<App>()` are typed by it. */
export type App = ReturnType<typeof createApp>;
