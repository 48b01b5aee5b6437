/** @jsxImportSource hono/jsx */
import type { Context } from "hono";
import { ApiError } from "../../../lib/errors";
import { effectiveTier } from "../../../lib/tiers";
import type { AppEnv } from "../../../middleware/context";
import { isSameSitePost, type PageSession, readSession } from "../../../middleware/session";
import type { UserRow } from "../../../services/preferences";
import { messagePage, type PageStatus, readForm } from "../layout";
import { howToGetALink } from "../signin/signin.views";
import type { Anchor } from "./model";
import { limitHint } from "./plans";
import { FLASH_AT, type FlashKey } from "./preferences.flash";
import { renderPreferences } from "./preferences.render";

/**
 * How every form post of the preference page runs: the session, then the CSRF token (and Origin),
 * then the form's action. A rule the action breaks (an ApiError) comes back as the page with the
 * error beside the form that failed and what was typed into it; success redirects to the page,
 * which shows the confirmation.
 */

/** The page's forms, by the path after `/preferences/`. */
export type ActionName =
  | "watches/add"
  | "watches/remove"
  | "channels/add"
  | "channels/test"
  | "channels/enable"
  | "channels/remove"
  | "schedule"
  | "alerts"
  | "messages"
  | "unsubscribe"
  | "sign-out"
  | "sign-out-everywhere";

export type ActionResult =
  | { done: FlashKey }
  | { render: { flash?: string; at: Anchor; secret?: { target: string; value: string } } }
  | { page: Response | Promise<Response> };

export interface ActionInput {
  c: Context<AppEnv>;
  user: UserRow;
  session: PageSession;
  /** a form field, trimmed; undefined when missing or empty */
  field(name: string): string | undefined;
}

/** One form's work, once the session and the CSRF token are checked. */
export type Action = (i: ActionInput) => Promise<ActionResult>;

const formString = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

const sessionExpired = (c: Context<AppEnv>) =>
  messagePage(
    c,
    "Your session has expired",
    <>
      <p>Nothing was changed. For your security, the preference page signs you out after two hours.</p>
      {howToGetALink}
    </>,
    403,
  );

const foreignForm = (c: Context<AppEnv>) =>
  messagePage(
    c,
    "This form could not be accepted",
    <p>
      Nothing was changed: the form was out of date or was sent from another site. Go back to{" "}
      <a href="/preferences">your preferences</a>, reload the page and try again.
    </p>,
    403,
  );

/** A form post: session, then CSRF, then the action; rule violations come back as the page with the error. */
export async function runAction(c: Context<AppEnv>, name: ActionName, action: Action, form: Record<string, unknown>) {
  const session = await readSession(c);
  if (!session) return sessionExpired(c);
  if (!(await isSameSitePost(c, session, formString(form.csrf)))) return foreignForm(c);
  const field = (key: string) => formString(form[key]);
  try {
    const result = await action({ c, user: session.user, session, field });
    if ("page" in result) return result.page;
    if ("render" in result) return renderPreferences(c, session, c.req.query("q"), result.render);
    return c.redirect(`/preferences?done=${result.done}#${FLASH_AT[result.done]}`, 303);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return failedFormPage(c, session, name, form, e);
  }
}

/**
 * The route hook of every form: a form the schema refuses (a field sent twice) runs all the same,
 * each field read as a browser's form means it (the last value), as the page did before the schema.
 */
export const repostHook =
  (perform: (c: Context<AppEnv>, form: Record<string, unknown>) => Promise<Response>) =>
  (result: { success: boolean }, c: Context<AppEnv>) =>
    result.success ? undefined : readForm(c).then((form) => perform(c, form));

/** The page again, with the error beside the form that failed and what was typed into it. */
function failedFormPage(c: Context<AppEnv>, session: PageSession, name: ActionName, form: Record<string, unknown>, e: ApiError) {
  const status: PageStatus = e.status === 400 || e.status === 403 || e.status === 404 || e.status === 409 ? e.status : 400;
  // a tier limit says what the next plan would allow
  const next = e.code === "tier_limit" ? limitHint(effectiveTier(session.user, c.get("deps").clock.now()), e.message) : null;
  return renderPreferences(c, session, c.req.query("q"), {
    status,
    error: next ? `${e.message}. ${next}` : e.message,
    at: errorAnchor(name, formString(form.type), formString(form.form)),
    field: fieldOf(e.message),
    values: typedValues(form),
  });
}

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
