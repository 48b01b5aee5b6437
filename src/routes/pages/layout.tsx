/** @jsxImportSource hono/jsx */
import type { Context } from "hono";
import { raw } from "hono/html";
import { HTTPException } from "hono/http-exception";
import type { Child } from "hono/jsx";
import type { HtmlEscapedString } from "hono/utils/html";
import { randomToken } from "../../lib/crypto";
import { isUnavailableError } from "../../lib/errors";
import type { AppEnv } from "../../middleware/context";
import { CSS } from "./styles";

/** A nonce per response: only our own inline style and script run (see the CSP in `htmlPage`). */
export const newNonce = () => randomToken(16);

export interface LayoutProps {
  title: string;
  nonce: string;
  children: Child;
  /** a short page (a message, a confirmation): one narrow column */
  narrow?: boolean;
  /** shown at the right of the top bar (the preference page's "Signed in as …") */
  aside?: Child;
}

/** The frame of every HTML page: top bar with the name, then the page's own content. */
export function Layout(props: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${props.title} · clausewatch`}</title>
        <style nonce={props.nonce}>{raw(CSS)}</style>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class={props.narrow ? "topbar narrow" : "topbar"}>
          <div>
            <span class="brand">
              <span class="brand-mark" aria-hidden="true">
                c
              </span>
              clausewatch
            </span>
            {props.aside ?? null}
          </div>
        </header>
        <main id="main" class={props.narrow ? "narrow" : undefined}>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/**
 * Sends a page with the headers every page of ours carries: no caching (it shows personal
 * settings), no framing (one-click buttons), no referrer to other sites (the URL may hold a
 * token), and a CSP that allows only this response's own style and script. The preference pages
 * send `same-origin` ("no-referrer" would make browsers send `Origin: null` on their own form
 * posts, which the session's CSRF check reads); pages whose posts need no Origin (unsubscribe)
 * may choose `no-referrer`.
 */
export type PageStatus = 200 | 400 | 403 | 404 | 409 | 415 | 500 | 502 | 503;

export interface PageOptions {
  referrer?: "same-origin" | "no-referrer";
}

export async function htmlPage(
  c: Context<AppEnv>,
  nonce: string,
  body: HtmlEscapedString | Promise<HtmlEscapedString>,
  status: PageStatus = 200,
  opts: PageOptions = {},
) {
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", opts.referrer ?? "same-origin");
  c.header("X-Frame-Options", "DENY");
  c.header("X-Content-Type-Options", "nosniff");
  c.header(
    "Content-Security-Policy",
    `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  );
  return c.html(`<!doctype html>${await body}`, status);
}

/**
 * A short page: a heading and a few paragraphs in one card (errors, confirmations, sign-in,
 * unsubscribe, the Slack pages). `body` may use the layout's classes (`notice ok`, `muted`, …).
 */
export function messagePage(c: Context<AppEnv>, title: string, body: Child, status: PageStatus = 200, opts: PageOptions = {}) {
  const nonce = newNonce();
  return htmlPage(
    c,
    nonce,
    <Layout title={title} nonce={nonce} narrow>
      <div class="card">
        <h1>{title}</h1>
        {body}
      </div>
    </Layout>,
    status,
    opts,
  );
}

/**
 * A form as a browser means it: the last value of each field; an unreadable body is no fields.
 * The page routes' hooks read it when a form fails its schema (a field sent twice, or missing).
 */
export const readForm = (c: Context<AppEnv>): Promise<Record<string, unknown>> => c.req.parseBody().catch(() => ({}));

/**
 * onError of the page routers: a person gets a page, never JSON (the request id goes to the log).
 * A form the router could not read (not url-encoded, or malformed) changed nothing and is not our fault.
 */
export function pageError(err: Error, c: Context<AppEnv>) {
  const { log } = c.get("deps");
  if (err instanceof HTTPException && err.status < 500) {
    return messagePage(
      c,
      "This form could not be accepted",
      <p>Nothing was changed: the form could not be read. Go back, reload the page and try again.</p>,
      err.status === 415 ? 415 : 400,
    );
  }
  if (isUnavailableError(err)) {
    log.warn("database unavailable", { request_id: c.get("requestId"), error: String(err) });
    c.header("Retry-After", "5");
    return messagePage(c, "Please try again shortly", <p>The service is briefly unavailable. Nothing was changed.</p>, 503);
  }
  log.error("unhandled error", { request_id: c.get("requestId"), path: c.req.path, error: err.stack ?? String(err) });
  return messagePage(
    c,
    "Something went wrong",
    <p>{`That did not work, and it is our fault. Please try again; if it keeps happening, quote ${c.get("requestId")}.`}</p>,
    500,
  );
}
