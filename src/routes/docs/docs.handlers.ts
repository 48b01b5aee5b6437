import { Scalar } from "@scalar/hono-api-reference";
import { randomToken } from "../../lib/crypto";
import type { AppEnv } from "../../middleware/context";
import type { AppRouteHandler } from "../common";
import { loadBundle } from "./docs.bundle";
import type * as routes from "./docs.routes";

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

/** Scalar builds the page itself (its own HTML, under the policy above), not the pages' layout. */
const scalarPage = Scalar<AppEnv>((c) => {
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
});

export const reference: AppRouteHandler<typeof routes.reference> = async (c, next) => {
  const page = await scalarPage(c, next);
  if (!page) throw new Error("Scalar rendered no page");
  return page;
};

export const script: AppRouteHandler<typeof routes.script> = async (c) => {
  const { raw, gzip } = await loadBundle();
  const gzipped = /\bgzip\b/i.test(c.req.header("accept-encoding") ?? "");
  c.header("Content-Type", "text/javascript; charset=utf-8");
  c.header("Cache-Control", "public, max-age=3600");
  c.header("Vary", "Accept-Encoding");
  if (gzipped) c.header("Content-Encoding", "gzip");
  return c.body(gzipped ? gzip : raw, 200);
};
