import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../middleware/context";
import { securitySchemes } from "./common";

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

/** Serves the OpenAPI 3.1 document of every route mounted on `app` at /openapi.json (/docs renders it). */
export function serveOpenApiDocument(app: OpenAPIHono<AppEnv>, publicUrl: string) {
  for (const [name, scheme] of Object.entries(securitySchemes)) {
    app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);
  }
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "clausewatch",
      version: "0.1.0",
      description:
        "Alerts and digests when the terms that govern you change. Errors always answer " +
        '`{"error": {"code", "message", "request_id"}}`.',
      license: LICENSE,
    },
    servers: [{ url: publicUrl.replace(/\/+$/, ""), description: "This service (PUBLIC_URL)" }],
    tags: DOC_TAGS,
  });
}
