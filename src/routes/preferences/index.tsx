/** @jsxImportSource hono/jsx */

import { OpenAPIHono, z } from "@hono/zod-openapi";
import { asc, ilike, inArray, or } from "drizzle-orm";
import type { Context } from "hono";
import { listChannels } from "../../db/queries/channels";
import { listWatches } from "../../db/queries/watches";
import { documents, platforms } from "../../db/schema";
import type { UserRow } from "../../db/schema/users";
import type { Db } from "../../db/types";
import { ApiError } from "../../lib/errors";
import { effectiveTier } from "../../lib/tiers";
import { isValidTimeZone } from "../../lib/time";
import { SIGN_IN_LINK_DAYS, userFromSignInToken } from "../../services/sign-in";
import { type AppEnv, optionalSession, session } from "../common";
import { ACTION_SUMMARY, ACTIONS, type Action, type ActionName, FLASH, type FlashKey } from "./actions";
import { htmlPage, messagePage, newNonce, type PageStatus, pageError } from "./layout";
import { limitHint } from "./plans";
import { isSameSitePost, type PageSession, readSession, startSession } from "./session";
import { type CatalogEntry, PreferencesPage } from "./view";

/** The IANA zones the API accepts, for the time zone select. */
const ZONES = [...new Set(["UTC", ...Intl.supportedValuesOf("timeZone")])].filter(isValidTimeZone);
const CATALOG_PAGE = 25;

const howToGetALink = (
  <p>
    Open the <strong>Manage preferences</strong> link at the bottom of a recent clausewatch email, or{" "}
    <a href="/signin">have a new sign-in link emailed to you</a>.
  </p>
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

async function catalog(db: Db, q: string): Promise<CatalogEntry[]> {
  const like = `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  const ps = await db
    .select({ slug: platforms.slug, name: platforms.name })
    .from(platforms)
    .where(q ? or(ilike(platforms.slug, like), ilike(platforms.name, like)) : undefined)
    .orderBy(asc(platforms.slug))
    .limit(CATALOG_PAGE);
  if (ps.length === 0) return [];
  const docs = await db
    .select({ platform: documents.platformSlug, slug: documents.slug, title: documents.title })
    .from(documents)
    .where(
      inArray(
        documents.platformSlug,
        ps.map((p) => p.slug),
      ),
    )
    .orderBy(asc(documents.slug));
  return ps.map((p) => ({ ...p, documents: docs.filter((d) => d.platform === p.slug) }));
}

export interface PageExtras {
  status?: PageStatus;
  flash?: string;
  error?: string;
  secret?: { target: string; value: string };
}

/** Renders the page for a signed-in user, from the database as it is now. */
export async function renderPreferences(c: Context<AppEnv>, user: UserRow, session: PageSession, extras: PageExtras = {}) {
  const { database, clock, config } = c.get("deps");
  const now = clock.now();
  const q = (c.req.query("q") ?? "").trim().slice(0, 100);
  const [watches, channels, entries] = await Promise.all([
    listWatches(database.db, user.id),
    listChannels(database.db, user.id),
    catalog(database.db, q),
  ]);
  // "Add to Slack" starts from this page's session cookie: no token in the link
  const slackInstallUrl = config.slack ? "/slack/install" : null;
  const nonce = newNonce();
  const model = {
    user,
    tier: effectiveTier(user, now),
    watches,
    channels,
    catalog: entries,
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
  return renderPreferences(c, session.user, session, {
    flash: done && Object.hasOwn(FLASH, done) ? FLASH[done as FlashKey] : undefined,
  });
});

/** A form post: session, then CSRF, then the action; rule violations come back as the page with the error. */
async function runAction(c: Context<AppEnv>, action: Action) {
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
    return c.redirect(`/preferences?done=${result.done}#${result.anchor}`, 303);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    const status: PageStatus = e.status === 400 || e.status === 403 || e.status === 404 || e.status === 409 ? e.status : 400;
    // a tier limit says what the next plan would allow
    const next = e.code === "tier_limit" ? limitHint(effectiveTier(user, c.get("deps").clock.now()), e.message) : null;
    return renderPreferences(c, user, session, { status, error: next ? `${e.message}. ${next}` : e.message });
  }
}

for (const [name, action] of Object.entries(ACTIONS)) {
  preferencesRoutes.post(`/preferences/${name}`, (c) => runAction(c, action));
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
