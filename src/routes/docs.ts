import { z } from "@hono/zod-openapi";
import { Scalar } from "@scalar/hono-api-reference";
import { randomToken } from "../lib/crypto";
import type { AppEnv } from "../middleware/context";
import { createRouter, json, noAuth } from "./common";

/**
 * The API reference at /docs: Scalar, reading the same /openapi.json the service serves. Its
 * script comes from this service (/docs/scalar.js), never a CDN: the page's policy runs only the
 * scripts it tagged, and an offline machine has no CDN.
 */

/**
 * The one place that reads Scalar's standalone bundle, from the installed @scalar/api-reference
 * (the version package.json pins), once per process. Node-only on purpose, behind dynamic imports
 * so that importing the app stays platform-neutral: a Workers build cannot read node_modules at
 * run time and must replace this function with a bundled asset.
 */
async function readStandaloneBundle(): Promise<Uint8Array<ArrayBuffer>> {
  const { createRequire } = await import("node:module");
  const { readFile } = await import("node:fs/promises");
  const { dirname, join } = await import("node:path");
  // The package's exports hide package.json; its entry point sits in dist/, beside browser/.
  const entry = createRequire(import.meta.url).resolve("@scalar/api-reference");
  const bytes = await readFile(join(dirname(entry), "browser", "standalone.js"));
  return new Uint8Array(bytes);
}

async function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** 4.3 MB as is, 1.3 MB gzipped: compressed once per process, not per request (a phone downloads it). */
type Bundle = { raw: Uint8Array<ArrayBuffer>; gzip: Uint8Array<ArrayBuffer> };
let bundle: Promise<Bundle> | undefined;
const loadBundle = () => {
  if (!bundle) {
    bundle = readStandaloneBundle().then(async (raw) => ({ raw, gzip: await gzip(raw) }));
    // a failed read is retried by the next request rather than remembered
    bundle.catch(() => {
      bundle = undefined;
    });
  }
  return bundle;
};

/**
 * Two scripts run, both tagged with this response's nonce: our copy of Scalar's single-file bundle
 * (it loads no further chunks) and the inline call that starts it. Scalar injects its styles at run
 * time and sets style attributes, so styles need 'unsafe-inline' (scripts never do). It fetches
 * /openapi.json and, from "Test request", the API itself: both same-origin. Nothing else loads.
 */
export function docsPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

/**
 * On a phone Scalar's top bar shows the current operation's summary on one unbreakable line, which
 * widened the page to 660 px at 390 px wide; it may shrink and end in an ellipsis instead. (Code
 * samples and long type signatures scroll or clip inside their own boxes already.)
 */
const PHONE_CSS = "header > .flex-1.whitespace-nowrap { min-width: 0; overflow: hidden; text-overflow: ellipsis; }";

export const docsRoutes = createRouter();

const html = { description: "An HTML page", content: { "text/html": { schema: { type: "string" as const } } } };
docsRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/docs",
  operationId: "showApiReference",
  tags: ["operations"],
  summary: "This API reference (Scalar), rendered in the browser from /openapi.json",
  security: noAuth,
  responses: { 200: html },
});
docsRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/docs/scalar.js",
  operationId: "getApiReferenceScript",
  tags: ["operations"],
  summary: "The reference page's script: Scalar's standalone bundle, served from the installed package",
  security: noAuth,
  responses: {
    200: { description: "JavaScript (gzip when accepted)", content: { "text/javascript": { schema: { type: "string" } } } },
  },
});
// Served by app.doc31 in app.ts; described here with the rest of the documentation routes.
docsRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/openapi.json",
  operationId: "getOpenApiDocument",
  tags: ["operations"],
  summary: "This OpenAPI 3.1 document",
  security: noAuth,
  responses: { 200: json(z.record(z.string(), z.unknown()), "The OpenAPI document") },
});

docsRoutes.get(
  "/docs",
  Scalar<AppEnv>((c) => {
    const nonce = randomToken(16);
    c.header("Content-Security-Policy", docsPolicy(nonce));
    return {
      url: "/openapi.json",
      // a `cdn` URL also selects Scalar's single-file bundle, which needs no further script loads
      cdn: "/docs/scalar.js",
      nonce,
      pageTitle: "clausewatch API reference",
      // Nothing may leave the machine: no fonts from Scalar's server, no usage data, no AI agent.
      withDefaultFonts: false,
      telemetry: false,
      agent: { disabled: true },
      hideClientButton: true,
      showDeveloperTools: "never",
      customCss: PHONE_CSS,
    };
  }),
);

docsRoutes.get("/docs/scalar.js", async (c) => {
  const { raw, gzip } = await loadBundle();
  const gzipped = /\bgzip\b/i.test(c.req.header("accept-encoding") ?? "");
  c.header("Content-Type", "text/javascript; charset=utf-8");
  c.header("Cache-Control", "public, max-age=3600");
  c.header("Vary", "Accept-Encoding");
  if (gzipped) c.header("Content-Encoding", "gzip");
  return c.body(gzipped ? gzip : raw, 200);
});
