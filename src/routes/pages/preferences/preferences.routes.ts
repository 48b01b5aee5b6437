import { createRoute, z } from "@hono/zod-openapi";
import { optionalSession, session } from "../../common";
import { htmlResponse } from "../page-routes";

const tags = ["pages"];

/**
 * The preference page (docs/preferences.md): a sign-in link starts a session, then the page and
 * its forms run on the session cookie. Every form posts url-encoded fields with the page's `csrf`.
 */
export const show = createRoute({
  method: "get",
  path: "/preferences",
  operationId: "showPreferencesPage",
  security: optionalSession,
  tags,
  summary:
    "The preference page. `?token=` (a sign-in link from an email to the account address or POST /v1/me/preferences-link) starts a session (cookie) and answers 303 to `/preferences`",
  request: {
    query: z.object({ token: z.string().optional(), q: z.string().optional().openapi({ description: "catalog search" }) }),
  },
  responses: {
    200: htmlResponse,
    303: { description: "Signed in: the session cookie is set; on to /preferences" },
    400: htmlResponse,
  },
});

/** The page's forms post text fields; which ones each reads is the form's business (and its `csrf`). */
const FormFields = z.record(z.string(), z.string());

/** A form of the page: needs the session cookie and the page's `csrf` field. */
const formPost = <P extends `/preferences/${string}`>(path: P, operationId: string, summary: string) =>
  createRoute({
    method: "post",
    path,
    operationId,
    tags,
    security: session,
    summary,
    description: "An HTML form post: needs the session cookie and the page's `csrf` field (403 page otherwise).",
    request: { body: { content: { "application/x-www-form-urlencoded": { schema: FormFields } } } },
    responses: {
      200: htmlResponse,
      303: { description: "Done: back to the page, which confirms it" },
      400: htmlResponse,
      403: htmlResponse,
      404: htmlResponse,
      409: htmlResponse,
    },
  });

export const watchesAdd = formPost(
  "/preferences/watches/add",
  "preferencesWatchesAdd",
  "Page form: add a watch (platform, optional document and min_severity)",
);
export const watchesRemove = formPost(
  "/preferences/watches/remove",
  "preferencesWatchesRemove",
  "Page form: remove a watch (id)",
);
export const channelsAdd = formPost(
  "/preferences/channels/add",
  "preferencesChannelsAdd",
  "Page form: add an email address (pending until confirmed) or a webhook",
);
export const channelsTest = formPost(
  "/preferences/channels/test",
  "preferencesChannelsTest",
  "Page form: send a test message to an active channel (id)",
);
export const channelsEnable = formPost(
  "/preferences/channels/enable",
  "preferencesChannelsEnable",
  "Page form: turn a channel on or off (id, enabled)",
);
export const channelsRemove = formPost(
  "/preferences/channels/remove",
  "preferencesChannelsRemove",
  "Page form: remove a channel (id)",
);
export const schedule = formPost(
  "/preferences/schedule",
  "preferencesSchedule",
  "Page form: digest day, hour, time zone and send_when_empty",
);
export const alerts = formPost("/preferences/alerts", "preferencesAlerts", "Page form: alert window and quiet hours");
export const messages = formPost(
  "/preferences/messages",
  "preferencesMessages",
  "Page form: which messages to receive (alerts, digests)",
);
export const unsubscribe = formPost(
  "/preferences/unsubscribe",
  "preferencesUnsubscribe",
  "Page form: unsubscribe from everything",
);
export const signOut = formPost("/preferences/sign-out", "preferencesSignOut", "Page form: end this session (on the server too)");
export const signOutEverywhere = formPost(
  "/preferences/sign-out-everywhere",
  "preferencesSignOutEverywhere",
  "Page form: end every session of the account and void every sign-in link issued before",
);
