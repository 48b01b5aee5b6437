import type { Context } from "hono";
import { html } from "hono/html";
import type { Child } from "hono/jsx";
import type { AppEnv } from "../../../middleware/context";
import { channelOfScope, readUnsubscribeLink, unsubscribe as stop, type UnsubscribeScope } from "../../../services/unsubscribe";
import type { AppRouteHandler } from "../../common";
import { messagePage, type PageStatus } from "../layout";
import type * as routes from "./unsubscribe.routes";

const WHAT: Record<"alerts" | "digests" | "all", string> = {
  alerts: "same-day alerts",
  digests: "the weekly digest",
  all: "all clausewatch messages",
};
const describe = (scope: UnsubscribeScope) =>
  scope === "signup"
    ? "clausewatch confirmation emails at this address"
    : channelOfScope(scope)
      ? "clausewatch email at this address"
      : (WHAT[scope as keyof typeof WHAT] ?? WHAT.alerts);

/**
 * Pages on the common layout. `no-referrer`: the URL is the token, and these pages' posts need no
 * Origin (the token is the credential), so nothing, not even our own server, gets it as a Referer.
 */
const page = (c: Context<AppEnv>, title: string, body: Child, status: PageStatus = 200) =>
  messagePage(c, title, body, status, { referrer: "no-referrer" });

const badToken = (c: Context<AppEnv>) =>
  page(
    c,
    "This link is not valid",
    html`<p>The unsubscribe link is damaged or has expired. Use the link in a newer message, or open your preferences from any clausewatch email.</p>`,
    400,
  );

const done = (scope: UnsubscribeScope) =>
  scope === "signup"
    ? html`<p>This address will get no more clausewatch confirmation emails.</p>`
    : channelOfScope(scope)
      ? html`<p>This address will no longer receive clausewatch email.</p>`
      : html`<p>You will no longer receive ${describe(scope)}.</p>`;

export const show: AppRouteHandler<typeof routes.show> = async (c) => {
  const { keys, clock } = c.get("deps");
  const { token } = c.req.valid("param");
  const link = await readUnsubscribeLink(keys, token, clock.now());
  if (!link) return badToken(c);
  return page(
    c,
    "Unsubscribe",
    html`<p>Stop receiving ${describe(link.scope)}?</p>
<form method="post" action="/unsubscribe/${encodeURIComponent(token)}"><button type="submit" class="danger">Unsubscribe</button></form>
<p class="muted">Nothing changes until you press the button.</p>`,
  );
};

export const unsubscribe: AppRouteHandler<typeof routes.unsubscribe> = async (c) => {
  const { keys, clock, database } = c.get("deps");
  const scope = await stop(database.db, keys, c.req.valid("param").token, clock.now());
  if (!scope) return badToken(c);
  return page(c, "Unsubscribed", done(scope));
};
