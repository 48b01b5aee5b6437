/** @jsxImportSource hono/jsx */
import type { Context } from "hono";
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { HtmlEscapedString } from "hono/utils/html";
import { randomToken } from "../../lib/crypto";
import { isUnavailableError } from "../../lib/errors";
import type { AppEnv } from "../common";

/*
 * Colours meet WCAG AA (≥ 4.5:1) on their backgrounds: text #1f2328 on white 15.8:1, muted
 * #57606a 6.1:1, links and buttons #0b57d0 6.2:1 (white on it the same), danger #a40e26 7.7:1.
 * Focus is always visible; the layout is one fluid column, readable from 320 px up.
 */
const CSS = `
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;background:#fff;margin:0}
main{max-width:46rem;margin:0 auto;padding:1rem 1rem 4rem}
a{color:#0b57d0}
h1{font-size:1.6rem;margin:.5rem 0}
h2{font-size:1.3rem;margin:2rem 0 .5rem;padding-top:1rem;border-top:1px solid #d0d7de}
h3{font-size:1.05rem;margin:1.25rem 0 .4rem}
.muted{color:#57606a}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
fieldset{border:1px solid #d0d7de;border-radius:6px;padding:.75rem 1rem;margin:.75rem 0}
legend{font-weight:600;padding:0 .25rem}
label{display:block;font-weight:600;margin:.5rem 0 .2rem}
label.inline{display:inline;font-weight:400;margin:0 0 0 .35rem}
input[type=text],input[type=email],input[type=url],input[type=search],input[type=number],input[type=time],select{font:inherit;width:100%;max-width:28rem;padding:.45rem .5rem;border:1px solid #57606a;border-radius:4px;background:#fff;color:#1f2328}
button{font:inherit;padding:.45rem .9rem;border-radius:4px;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer;margin:.25rem .25rem .25rem 0}
button.secondary{background:#fff;color:#0b57d0}
button.danger{background:#a40e26;border-color:#a40e26;color:#fff}
a:focus,button:focus,input:focus,select:focus{outline:3px solid #1f2328;outline-offset:2px}
ul.items{list-style:none;padding:0;margin:.5rem 0}
ul.items>li{border:1px solid #d0d7de;border-radius:6px;padding:.6rem .8rem;margin:.5rem 0;display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;justify-content:space-between}
ul.items>li>div{min-width:12rem;flex:1 1 16rem;overflow-wrap:anywhere}
ul.items form{display:inline}
.row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
.notice{border-radius:6px;padding:.75rem 1rem;margin:1rem 0;border:2px solid}
.notice.ok{border-color:#1a7f37;background:#f0fff4}
.notice.error{border-color:#a40e26;background:#fff5f5}
.notice:focus{outline:3px solid #1f2328}
code,.secret{font-family:ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.status{font-weight:600}
`;

/** A nonce per response: only our own inline style and script run (see the CSP in `htmlPage`). */
export const newNonce = () => randomToken(16);

export function Layout(props: { title: string; nonce: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${props.title} · clausewatch`}</title>
        <style nonce={props.nonce}>{raw(CSS)}</style>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}

/**
 * Sends a page with the headers every page of ours carries: no caching (it shows personal
 * settings), no framing (one-click buttons), no referrer to other sites (the URL may hold a token; "no-referrer" would also make browsers send `Origin: null` on our own form posts), and a CSP
 * that allows only this response's own style and script.
 */
export type PageStatus = 200 | 400 | 403 | 404 | 409 | 500 | 502 | 503;

export async function htmlPage(
  c: Context<AppEnv>,
  nonce: string,
  body: HtmlEscapedString | Promise<HtmlEscapedString>,
  status: PageStatus = 200,
) {
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "same-origin");
  c.header("X-Frame-Options", "DENY");
  c.header("X-Content-Type-Options", "nosniff");
  c.header(
    "Content-Security-Policy",
    `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  );
  return c.html(`<!doctype html>${await body}`, status);
}

/** A short page: a heading and a few paragraphs (errors, confirmations, the Slack pages). */
export function messagePage(c: Context<AppEnv>, title: string, body: Child, status: PageStatus = 200) {
  const nonce = newNonce();
  return htmlPage(
    c,
    nonce,
    <Layout title={title} nonce={nonce}>
      <h1>{title}</h1>
      {body}
    </Layout>,
    status,
  );
}

/** onError of the page routers: a person gets a page, never JSON (the request id goes to the log). */
export function pageError(err: Error, c: Context<AppEnv>) {
  const { log } = c.get("deps");
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
