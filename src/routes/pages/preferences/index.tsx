/** @jsxImportSource hono/jsx */

import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { catalogNames, platformNames, searchCatalog } from "../../../db/queries/catalog";
import { listChannels } from "../../../db/queries/channels";
import { listWatches } from "../../../db/queries/watches";
import type { UserRow } from "../../../db/schema/users";
import { ApiError } from "../../../lib/errors";
import { effectiveTier } from "../../../lib/tiers";
import { isValidTimeZone } from "../../../lib/time";
import type { AppEnv } from "../../../middleware/context";
import { isSameSitePost, type PageSession, readSession, startSession } from "../../../middleware/session";
import { SIGN_IN_LINK_DAYS, userFromSignInToken } from "../../../services/sign-in";
import { optionalSession, session } from "../../common";
import { htmlPage, messagePage, newNonce, type PageStatus, pageError } from "../layout";
import { ACTION_SUMMARY, ACTIONS, type Action, type ActionName, FLASH, FLASH_AT, type FlashKey } from "./actions";
import type { Anchor } from "./model";
import { limitHint } from "./plans";
import { PreferencesPage } from "./view";

/** The IANA zones the API accepts, for the time zone select. */
const ZONES = [...new Set(["UTC", ...Intl.supportedValuesOf("timeZone")])].filter(isValidTimeZone);
const CATALOG_PAGE = 25;

/** What a person with a dead link can do: a fresh link by email, right here (the /signin form). */
export const howToGetALink = (
  <>
    <p>
      Open the <strong>Manage preferences</strong> link at the bottom of a recent clausewatch email, or{" "}
      <a href="/signin">have a new sign-in link emailed to you</a>:
    </p>
    <form method="post" action="/signin" aria-label="Email me a new sign-in link">
      <label for="email">Your account's email address</label>
      <input id="email" name="email" type="email" autocomplete="email" required maxlength={320} />
      <button type="submit">Email me a new sign-in link</button>
    </form>
  </>
);

/** 400: the link is damaged, expired, or missing. */
export const badLinkPage = (c: Context<AppEnv>, why: string) =>
  messagePage(
    c,
    "This link does not work",
    <>
      <p>{why}</p>
      {howToGetALink}
    </>,
    400,
  );

export interface PageExtras {
  status?: PageStatus;
  flash?: string;
  error?: string;
  /** where on the page the flash or error is shown */
  at?: Anchor;
  field?: string;
  values?: Record<string, string>;
  secret?: { target: string; value: string };
}

/** The datalist of the add-by-name form: enough names to pick from, not the whole catalog of a big deployment. */
const NAME_OPTIONS = 500;

/** Renders the page for a signed-in user, from the database as it is now. */
export async function renderPreferences(c: Context<AppEnv>, user: UserRow, session: PageSession, extras: PageExtras = {}) {
  const { database, clock, config } = c.get("deps");
  const now = clock.now();
  const q = (c.req.query("q") ?? "").trim().slice(0, 100);
  const [watches, channels, entries, platformOptions] = await Promise.all([
    listWatches(database.db, user.id),
    listChannels(database.db, user.id),
    searchCatalog(database.db, q, CATALOG_PAGE),
    platformNames(database.db, NAME_OPTIONS),
  ]);
  const names = await catalogNames(
    database.db,
    watches.map((w) => w.platform),
  );
  // "Add to Slack" starts from this page's session cookie: no token in the link
  const slackInstallUrl = config.slack ? "/slack/install" : null;
  const nonce = newNonce();
  const model = {
    user,
    tier: effectiveTier(user, now),
    watches,
    channels,
    names,
    catalog: entries,
    platformOptions,
    q,
    csrf: session.csrf,
    nonce,
    zones: ZONES,
    slackInstallUrl,
    ...extras,
  };
  return htmlPage(c, nonce, <PreferencesPage m={model} />, extras.status ?? 200);
}

const formString = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

export const preferencesRoutes = new OpenAPIHono<AppEnv>();

preferencesRoutes.get("/preferences", async (c) => {
  const { keys, clock, database } = c.get("deps");
  const token = c.req.query("token");
  if (token !== undefined) {
    const user = await userFromSignInToken(database.db, keys, token, clock.now());
    if (!user) {
      return badLinkPage(
        c,
        `This sign-in link is damaged, has expired (links last ${SIGN_IN_LINK_DAYS} days), or was ended by "Sign out everywhere".`,
      );
    }
    await startSession(c, user);
    // the token leaves the address bar (and the history) at once; the cookie carries on
    return c.redirect("/preferences", 303);
  }
  const session = await readSession(c);
  if (!session)
    return badLinkPage(c, "Your preferences open from a personal sign-in link, and this visit has none (or it has expired).");
  const done = c.req.query("done");
  const key = done && Object.hasOwn(FLASH, done) ? (done as FlashKey) : undefined;
  return renderPreferences(c, session.user, session, key ? { flash: FLASH[key], at: FLASH_AT[key] } : {});
});

/** Where a failed form's error is shown: beside that form. */
function errorAnchor(name: ActionName, type: string | undefined, form: string | undefined): Anchor {
  if (name === "watches/add") return form === "by-name" ? "add-by-name" : "add-watch";
  if (name === "channels/add") return type === "webhook" ? "add-webhook" : "add-email";
  if (name.startsWith("channels/")) return "channels";
  if (name === "watches/remove") return "watchlist";
  if (name === "schedule" || name === "alerts") return name;
  return "messages";
}

/** The field an error message names ("alerts.window_minutes: …" → window_minutes). */
function fieldOf(message: string): string | undefined {
  const path = message.match(/^([a-z_.]+): /)?.[1];
  if (!path) return undefined;
  if (path.startsWith("alerts.quiet_hours")) return path.endsWith("end") ? "quiet_end" : "quiet_start";
  return path.split(".").pop();
}

/** What a person typed into the failed form (short text fields only; never the CSRF token). */
function typedValues(form: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(form)) {
    if (k !== "csrf" && typeof v === "string" && k.length <= 40) out[k] = v.slice(0, 2048);
  }
  return out;
}

/** A form post: session, then CSRF, then the action; rule violations come back as the page with the error. */
async function runAction(c: Context<AppEnv>, name: ActionName, action: Action) {
  const session = await readSession(c);
  if (!session) {
    return messagePage(
      c,
      "Your session has expired",
      <>
        <p>Nothing was changed. For your security, the preference page signs you out after two hours.</p>
        {howToGetALink}
      </>,
      403,
    );
  }
  const form: Record<string, unknown> = await c.req.parseBody().catch(() => ({}));
  if (!(await isSameSitePost(c, session, formString(form.csrf)))) {
    return messagePage(
      c,
      "This form could not be accepted",
      <p>
        Nothing was changed: the form was out of date or was sent from another site. Go back to{" "}
        <a href="/preferences">your preferences</a>, reload the page and try again.
      </p>,
      403,
    );
  }
  const user = session.user;
  const field = (name: string) => formString(form[name]);
  try {
    const result = await action({ c, user, session, field });
    if ("page" in result) return result.page;
    if ("render" in result) return renderPreferences(c, user, session, result.render);
    return c.redirect(`/preferences?done=${result.done}#${FLASH_AT[result.done]}`, 303);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    const status: PageStatus = e.status === 400 || e.status === 403 || e.status === 404 || e.status === 409 ? e.status : 400;
    // a tier limit says what the next plan would allow
    const next = e.code === "tier_limit" ? limitHint(effectiveTier(user, c.get("deps").clock.now()), e.message) : null;
    return renderPreferences(c, user, session, {
      status,
      error: next ? `${e.message}. ${next}` : e.message,
      at: errorAnchor(name, field("type"), field("form")),
      field: fieldOf(e.message),
      values: typedValues(form),
    });
  }
}

for (const [name, action] of Object.entries(ACTIONS) as [ActionName, Action][]) {
  preferencesRoutes.post(`/preferences/${name}`, (c) => runAction(c, name, action));
}
preferencesRoutes.onError(pageError);

const html = { description: "An HTML page", content: { "text/html": { schema: { type: "string" as const } } } };
preferencesRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/preferences",
  operationId: "showPreferencesPage",
  security: optionalSession,
  tags: ["pages"],
  summary:
    "The preference page. `?token=` (a sign-in link from an email to the account address or POST /v1/me/preferences-link) starts a session (cookie) and answers 303 to `/preferences`",
  request: {
    query: z.object({ token: z.string().optional(), q: z.string().optional().openapi({ description: "catalog search" }) }),
  },
  responses: { 200: html, 303: { description: "Signed in: the session cookie is set; on to /preferences" }, 400: html },
});
for (const name of Object.keys(ACTIONS) as ActionName[]) {
  preferencesRoutes.openAPIRegistry.registerPath({
    method: "post",
    path: `/preferences/${name}`,
    // "watches/add" → preferencesWatchesAdd
    operationId: `preferences${name.replace(/(?:^|[/-])([a-z])/g, (_, ch: string) => ch.toUpperCase())}`,
    tags: ["pages"],
    security: session,
    summary: ACTION_SUMMARY[name],
    description: "An HTML form post: needs the session cookie and the page's `csrf` field (403 page otherwise).",
    request: {
      body: { content: { "application/x-www-form-urlencoded": { schema: z.record(z.string(), z.string()) } } },
    },
    responses: {
      200: html,
      303: { description: "Done: back to the page, which confirms it" },
      400: html,
      403: html,
      404: html,
      409: html,
    },
  });
}
