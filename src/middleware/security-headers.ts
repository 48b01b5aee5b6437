import type { MiddlewareHandler } from "hono";

/**
 * The policy of a page that did not set its own: nothing loads or runs but inline style (the
 * short pages carry a `<style>` block and no script), forms post only to us, nobody frames us.
 * A page that runs script (the preference page) sets its own policy with a per-response nonce,
 * which is left alone.
 */
const DEFAULT_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * What every HTML page carries unless it set the header itself. The pages' URLs hold tokens
 * (unsubscribe, confirmation, sign-in links): no Referer may carry them off and no shared cache
 * may keep the page. The preference layout chooses `same-origin` for its own pages (its form
 * posts check Origin, which `no-referrer` turns into "null"); that choice is kept.
 */
const PAGE_HEADERS: [string, string][] = [
  ["Content-Security-Policy", DEFAULT_PAGE_CSP],
  ["X-Frame-Options", "DENY"],
  ["Referrer-Policy", "no-referrer"],
  ["Cache-Control", "no-store"],
];

/**
 * Security headers for every HTML response, whichever route built it; `nosniff` on every
 * response, so no browser reads a JSON or text body as HTML.
 *
 * @example app.use("*", securityHeaders);
 */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const has = (name: string) => c.res.headers.has(name);
  if (!has("X-Content-Type-Options")) c.header("X-Content-Type-Options", "nosniff");
  const type = c.res.headers.get("Content-Type") ?? "";
  if (!/^text\/html\b/i.test(type)) return;
  for (const [name, value] of PAGE_HEADERS) if (!has(name)) c.header(name, value);
};
