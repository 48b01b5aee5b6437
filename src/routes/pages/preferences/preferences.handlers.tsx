/** @jsxImportSource hono/jsx */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiError } from "../../../lib/errors";
import { validated } from "../../../lib/validation";
import type { AppEnv } from "../../../middleware/context";
import { clearSessionCookie, endSession, readSession, startSession } from "../../../middleware/session";
import { channelEnv, createChannel, deleteChannel, queueChannelTest, setChannelEnabled } from "../../../services/channels";
import { addWatchByName, setSubscriptions, unsubscribeFromEverything, updatePreferences } from "../../../services/preferences";
import { revokeAllSessions, SIGN_IN_LINK_DAYS, userFromSignInToken } from "../../../services/sign-in";
import { deleteWatch } from "../../../services/watches";
import type { AppRouteHandler } from "../../common";
import { AlertPrefs, DigestPrefs, timezone } from "../../schemas";
import { messagePage } from "../layout";
import { badLinkPage } from "../signin/signin.views";
import { flashFor } from "./preferences.flash";
import { type Action, type ActionInput, type ActionName, repostHook, runAction } from "./preferences.form";
import { renderPreferences } from "./preferences.render";
import type * as routes from "./preferences.routes";

/**
 * The preference page and its forms. Each form turns its fields into one service call (the same
 * functions the API runs); preferences.form.tsx has what every form shares (session, CSRF, the
 * error shown on the page).
 */

type PageQuery = { token?: string; q?: string };

export const show: AppRouteHandler<typeof routes.show> = (c) => showPage(c, c.req.valid("query"));

/** A parameter given twice fails the schema: the page reads the first, as it always has. */
export const showHook = (result: { success: boolean }, c: Context<AppEnv>) =>
  result.success ? undefined : showPage(c, { token: c.req.query("token"), q: c.req.query("q") });

/** A sign-in link starts a session; otherwise the session's page, with the confirmation `?done=` names. */
async function showPage(c: Context<AppEnv>, query: PageQuery) {
  if (query.token !== undefined) return signIn(c, query.token);
  const session = await readSession(c);
  if (!session) {
    return badLinkPage(c, "Your preferences open from a personal sign-in link, and this visit has none (or it has expired).");
  }
  return renderPreferences(c, session, query.q, flashFor(c.req.query("done")));
}

async function signIn(c: Context<AppEnv>, token: string) {
  const { keys, clock, database } = c.get("deps");
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

/* ---- the forms: fields in, one service call, a confirmation (or the page) out ---- */

const deps = (i: ActionInput) => i.c.get("deps");
const id = (i: ActionInput) => {
  const v = i.field("id");
  if (!v || v.length > 100) throw new ApiError("invalid_request", "id: missing");
  return v;
};

const addWatch: Action = async (i) => {
  const { database, clock } = deps(i);
  const form = { platform: i.field("platform"), document: i.field("document"), minSeverity: i.field("min_severity") };
  await addWatchByName(database.db, i.user, form, clock.now());
  return { done: "watch_added" };
};

const removeWatch: Action = async (i) => {
  await deleteWatch(deps(i).database.db, i.user.id, id(i));
  return { done: "watch_removed" };
};

const addChannel: Action = async (i) => {
  const { database, clock, onQueued } = deps(i);
  const type = i.field("type");
  if (type !== "email" && type !== "webhook") throw new ApiError("invalid_request", "type: must be email or webhook");
  const body = type === "email" ? { address: i.field("address") } : { url: i.field("url") };
  const created = await createChannel(database.db, channelEnv(deps(i)), i.user.id, type, body, clock.now());
  if (created.verificationQueued) onQueued?.();
  if (created.signingSecret) {
    return { render: { at: "add-webhook", secret: { target: created.row.target, value: created.signingSecret } } };
  }
  return { done: created.verificationQueued ? "email_added" : "channel_added" };
};

const testChannel: Action = async (i) => {
  const { database, clock, onQueued } = deps(i);
  await queueChannelTest(database.db, i.user.id, id(i), clock.now());
  onQueued?.();
  return { done: "test_queued" };
};

const enableChannel: Action = async (i) => {
  const { database, clock } = deps(i);
  const on = i.field("enabled") === "true";
  await setChannelEnabled(database.db, i.user.id, id(i), on, clock.now());
  return { done: on ? "channel_on" : "channel_off" };
};

const removeChannel: Action = async (i) => {
  const { database, clock } = deps(i);
  await deleteChannel(database.db, i.user.id, id(i), clock.now());
  return { done: "channel_removed" };
};

const PreferencesForm = z.object({ timezone, digest: DigestPrefs, alerts: AlertPrefs }).partial();

const saveSchedule: Action = async (i) => {
  const { database, clock } = deps(i);
  const hour = i.field("hour");
  const patch = validated(PreferencesForm, {
    timezone: i.field("timezone"),
    digest: {
      day: i.field("day"),
      hour: hour !== undefined && /^\d{1,2}$/.test(hour) ? Number(hour) : hour,
      // an unticked checkbox is simply absent from the form
      send_when_empty: i.field("send_when_empty") === "true",
    },
  });
  await updatePreferences(database.db, i.user, patch, clock.now());
  return { done: "schedule_saved" };
};

const saveAlerts: Action = async (i) => {
  const { database, clock } = deps(i);
  const w = i.field("window_minutes");
  const patch = validated(PreferencesForm, {
    alerts: {
      window_minutes: w !== undefined && /^\d{1,4}$/.test(w) ? Number(w) : w,
      quiet_hours: i.field("quiet") === "on" ? { start: i.field("quiet_start"), end: i.field("quiet_end") } : null,
    },
  });
  await updatePreferences(database.db, i.user, patch, clock.now());
  return { done: "alerts_saved" };
};

const saveMessages: Action = async (i) => {
  const { database, clock } = deps(i);
  const subs = { alerts: i.field("alerts") === "on", digests: i.field("digests") === "on" };
  await setSubscriptions(database.db, i.user.id, subs, clock.now());
  return { done: "messages_saved" };
};

const unsubscribeEverything: Action = async (i) => {
  const { database, clock } = deps(i);
  await unsubscribeFromEverything(database.db, i.user.id, clock.now());
  return { done: "unsubscribed" };
};

const endThisSession: Action = async (i) => {
  await endSession(i.c, i.session);
  return {
    page: messagePage(
      i.c,
      "Signed out",
      <p>
        You are signed out of the preference page. Open it again from the link in a clausewatch email to your account address, or{" "}
        <a href="/signin">have a sign-in link emailed to you</a>.
      </p>,
    ),
  };
};

const endEverySession: Action = async (i) => {
  const { database, clock } = deps(i);
  await revokeAllSessions(database.db, i.user.id, clock.now());
  clearSessionCookie(i.c);
  return {
    page: messagePage(
      i.c,
      "Signed out everywhere",
      <p>
        Every session of your account has ended, on every device, and every sign-in link sent before now no longer works. To come
        back, <a href="/signin">have a new sign-in link emailed to you</a>.
      </p>,
    ),
  };
};

const ACTIONS: Record<ActionName, Action> = {
  "watches/add": addWatch,
  "watches/remove": removeWatch,
  "channels/add": addChannel,
  "channels/test": testChannel,
  "channels/enable": enableChannel,
  "channels/remove": removeChannel,
  schedule: saveSchedule,
  alerts: saveAlerts,
  messages: saveMessages,
  unsubscribe: unsubscribeEverything,
  "sign-out": endThisSession,
  "sign-out-everywhere": endEverySession,
};

const perform = (name: ActionName) => (c: Context<AppEnv>, form: Record<string, unknown>) =>
  runAction(c, name, ACTIONS[name], form);

/** The route hook of a form (see repostHook). */
export const formHook = (name: ActionName) => repostHook(perform(name));

export const watchesAdd: AppRouteHandler<typeof routes.watchesAdd> = (c) => perform("watches/add")(c, c.req.valid("form"));
export const watchesRemove: AppRouteHandler<typeof routes.watchesRemove> = (c) =>
  perform("watches/remove")(c, c.req.valid("form"));
export const channelsAdd: AppRouteHandler<typeof routes.channelsAdd> = (c) => perform("channels/add")(c, c.req.valid("form"));
export const channelsTest: AppRouteHandler<typeof routes.channelsTest> = (c) => perform("channels/test")(c, c.req.valid("form"));
export const channelsEnable: AppRouteHandler<typeof routes.channelsEnable> = (c) =>
  perform("channels/enable")(c, c.req.valid("form"));
export const channelsRemove: AppRouteHandler<typeof routes.channelsRemove> = (c) =>
  perform("channels/remove")(c, c.req.valid("form"));
export const schedule: AppRouteHandler<typeof routes.schedule> = (c) => perform("schedule")(c, c.req.valid("form"));
export const alerts: AppRouteHandler<typeof routes.alerts> = (c) => perform("alerts")(c, c.req.valid("form"));
export const messages: AppRouteHandler<typeof routes.messages> = (c) => perform("messages")(c, c.req.valid("form"));
export const unsubscribe: AppRouteHandler<typeof routes.unsubscribe> = (c) => perform("unsubscribe")(c, c.req.valid("form"));
export const signOut: AppRouteHandler<typeof routes.signOut> = (c) => perform("sign-out")(c, c.req.valid("form"));
export const signOutEverywhere: AppRouteHandler<typeof routes.signOutEverywhere> = (c) =>
  perform("sign-out-everywhere")(c, c.req.valid("form"));
