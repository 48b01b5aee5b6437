import { OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { timeout } from "hono/timeout";
import { createOutboxMetrics } from "./delivery/metrics-outbox";
import type { Deps } from "./deps";
import { ApiError, errorBody, isUnavailableError } from "./lib/errors";
import type { AppEnv } from "./middleware/context";
import {
  createRateLimits,
  DEFAULT_PUBLIC_RATE_LIMIT_PER_MINUTE,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  PUBLIC_RATE_LIMITED_PATHS,
  publicRateLimit,
} from "./middleware/rate-limit";
import { securityHeaders } from "./middleware/security-headers";
import { adminRoutes } from "./routes/admin";
import { adminListRoutes } from "./routes/admin-lists";
import { auditRoutes } from "./routes/audit";
import { catalogRoutes } from "./routes/catalog";
import { channelRoutes } from "./routes/channels";
import { errors, fromHttpException, json, noAuth, securitySchemes } from "./routes/common";
import { docsRoutes } from "./routes/docs";
import { eventRoutes } from "./routes/events";
import { jobRoutes } from "./routes/jobs";
import { meRoutes } from "./routes/me";
import { metricsRoutes } from "./routes/metrics";
import { notificationRoutes } from "./routes/notifications";
import { preferencesRoutes } from "./routes/pages/preferences/index";
import { providerRoutes } from "./routes/providers";
import { signInRoutes } from "./routes/signin";
import { signupRoutes } from "./routes/signup";
import { slackRoutes } from "./routes/slack";
import { timelineRoutes } from "./routes/timeline";
import { unsubscribeRoutes } from "./routes/unsubscribe";
import { verifyRoutes } from "./routes/verify";
import { watchlistRoutes } from "./routes/watchlist";

/**
 * Builds the HTTP app from its dependencies. Imports nothing Node-only, so a Workers entry can
 * reuse it; nothing reads process.env from here on.
 *
 * @example const app = createApp(deps); const res = await app.request("/healthz");
 */
const MAX_BODY_BYTES = 256 * 1024;
const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

export function createApp(given: Deps) {
  const deps = {
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
  const app = new OpenAPIHono<AppEnv>();

  app.use("*", requestId({ generator: () => crypto.randomUUID() }));
  app.use("*", securityHeaders);
  app.use("*", async (c, next) => {
    c.set("deps", deps);
    await next();
  });

  // A request the database cannot answer (down, or a half-open connection the pool has not yet
  // dropped: db/deadline-socket.ts) gets 503 + Retry-After at the deadline instead of hanging.
  // The timed-out handler may still finish in the background: writes are idempotent where a
  // retry could repeat them (ingest by event id). Operator jobs and the audit export may run long.
  const deadlineMs = given.config.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const deadline = timeout(
    deadlineMs,
    () => new HTTPException(503, { message: `no answer within ${deadlineMs} ms`, cause: { code: "ETIMEDOUT" } }),
  );
  app.use("*", async (c, next) => {
    if (c.req.path.startsWith("/v1/admin/jobs/") || c.req.path.startsWith("/v1/audit/")) return next();
    return deadline(c, next);
  });

  app.onError((err, c) => {
    const rid = c.get("requestId") ?? "unknown";
    if (err instanceof HTTPException && err.status < 500) err = fromHttpException(err);
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(errorBody(err.code, err.message, rid), err.status);
    }
    if (isUnavailableError(err)) {
      deps.log.warn("database unavailable", { request_id: rid, error: String(err) });
      c.header("Retry-After", "5");
      return c.json(errorBody("unavailable", "the database is unavailable; retry shortly", rid), 503);
    }
    deps.log.error("unhandled error", {
      request_id: rid,
      path: c.req.path,
      error: err instanceof Error ? err.stack : String(err),
    });
    return c.json(errorBody("internal", "internal error", rid), 500);
  });
  // Bodies are small everywhere but ingest (1 MiB, checked by its own route before parsing).
  // An answer given while body bytes are still on the wire (a 413 here, or a 401/404/429 from
  // a handler that never read the body) says `Connection: close`: the server then closes after
  // answering, where a keep-alive answer would leave the client reusing a connection that the
  // server tears down (@hono/node-server drains an unread body for at most 500 ms, then destroys it).
  app.use("*", async (c, next) => {
    if (c.req.path === "/v1/events") await next();
    else {
      await bodyLimit({
        maxSize: MAX_BODY_BYTES,
        onError: () => {
          throw new ApiError("payload_too_large", `request bodies are at most ${MAX_BODY_BYTES} bytes`, {
            Connection: "close",
          });
        },
      })(c, next);
    }
    const { headers, bodyUsed } = c.req.raw;
    const sentBody = headers.has("transfer-encoding") || (headers.get("content-length") ?? "0") !== "0";
    if (sentBody && !bodyUsed) c.header("Connection", "close");
  });
  app.notFound((c) =>
    c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`, c.get("requestId") ?? "unknown"), 404),
  );

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    try {
      await deps.database.ping();
      return c.json({ status: "ok", database: deps.database.kind });
    } catch (err) {
      deps.log.warn("readiness check failed", { error: String(err) });
      return c.json(errorBody("unavailable", "database unreachable", c.get("requestId")), 503);
    }
  });

  const Status = z.object({ status: z.string(), database: z.string().optional() }).openapi("Status");
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/healthz",
    operationId: "getHealth",
    tags: ["operations"],
    security: noAuth,
    summary: "The process is up",
    responses: { 200: json(Status, "Up") },
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/readyz",
    operationId: "getReadiness",
    tags: ["operations"],
    security: noAuth,
    summary: "The database answers",
    responses: { 200: json(Status, "Ready"), 503: errors[503] },
  });

  // Before the routes, so a spent budget answers 429 before any handler runs. User API routes are
  // limited inside requireUser, once the key is known; ingest, operator and ops routes never are.
  for (const path of PUBLIC_RATE_LIMITED_PATHS) app.use(path, publicRateLimit);

  app.route("/", adminRoutes);
  app.route("/", adminListRoutes);
  app.route("/", meRoutes);
  app.route("/", catalogRoutes);
  app.route("/", watchlistRoutes);
  app.route("/", channelRoutes);
  app.route("/", eventRoutes);
  app.route("/", notificationRoutes);
  app.route("/", timelineRoutes);
  app.route("/", auditRoutes);
  app.route("/", jobRoutes);
  app.route("/", unsubscribeRoutes);
  app.route("/", preferencesRoutes);
  app.route("/", verifyRoutes);
  app.route("/", signInRoutes);
  app.route("/", signupRoutes);
  app.route("/", slackRoutes);
  app.route("/", providerRoutes);
  app.route("/", metricsRoutes);
  app.route("/", docsRoutes);

  for (const [name, scheme] of Object.entries(securitySchemes)) {
    app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);
  }
  const publicUrl = deps.config.publicUrl.replace(/\/+$/, "");
  const docConfig = {
    openapi: "3.1.0",
    info: {
      title: "clausewatch",
      version: "0.1.0",
      description:
        "Alerts and digests when the terms that govern you change. Errors always answer " +
        '`{"error": {"code", "message", "request_id"}}`.',
      license: LICENSE,
    },
    servers: [{ url: publicUrl, description: "This service (PUBLIC_URL)" }],
    tags: DOC_TAGS,
  };
  app.doc31("/openapi.json", docConfig);

  return app;
}

/**
 * The project has no licence file: it is not open source. `LicenseRef-…` is how SPDX names a
 * licence not on its list, so this is a valid SPDX expression (OpenAPI's `identifier`) where
 * npm's "UNLICENSED" is not one, and it needs no URL to a licence text that does not exist.
 */
const LICENSE = { name: "Proprietary", identifier: "LicenseRef-Proprietary" };

/** The reference's sections, in reading order: what a user does first comes first. */
const DOC_TAGS = [
  { name: "self-service", description: "The calling user: profile, schedule, API key, sessions" },
  { name: "catalog", description: "Platforms and documents seen in events" },
  { name: "watchlist", description: "What a user watches, with filters" },
  { name: "channels", description: "Where alerts and digests go: email, Slack, signed webhooks" },
  { name: "notifications", description: "Alerts and digests as queued and delivered" },
  { name: "professional", description: "Governance timeline and audit export (Professional)" },
  { name: "ingest", description: "The change-detection pipeline's endpoint" },
  { name: "operator", description: "The site's operator token: users, events, outbox, jobs" },
  { name: "providers", description: "Callbacks from email providers" },
  { name: "public", description: "Links in messages that work without signing in" },
  { name: "pages", description: "Server-rendered HTML pages" },
  { name: "operations", description: "Health, readiness, metrics and this reference" },
];

export type App = ReturnType<typeof createApp>;
