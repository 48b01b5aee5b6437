import { createRouter } from "../../common";
import { pageError } from "../layout";
import * as handlers from "./preferences.handlers";
import * as routes from "./preferences.routes";

/** The preference page and its forms; each has a hook, so even a malformed request gets a page. */
export const preferencesRoutes = createRouter()
  .openapi(routes.show, handlers.show, handlers.showHook)
  .openapi(routes.watchesAdd, handlers.watchesAdd, handlers.formHook("watches/add"))
  .openapi(routes.watchesRemove, handlers.watchesRemove, handlers.formHook("watches/remove"))
  .openapi(routes.channelsAdd, handlers.channelsAdd, handlers.formHook("channels/add"))
  .openapi(routes.channelsTest, handlers.channelsTest, handlers.formHook("channels/test"))
  .openapi(routes.channelsEnable, handlers.channelsEnable, handlers.formHook("channels/enable"))
  .openapi(routes.channelsRemove, handlers.channelsRemove, handlers.formHook("channels/remove"))
  .openapi(routes.schedule, handlers.schedule, handlers.formHook("schedule"))
  .openapi(routes.alerts, handlers.alerts, handlers.formHook("alerts"))
  .openapi(routes.messages, handlers.messages, handlers.formHook("messages"))
  .openapi(routes.unsubscribe, handlers.unsubscribe, handlers.formHook("unsubscribe"))
  .openapi(routes.signOut, handlers.signOut, handlers.formHook("sign-out"))
  .openapi(routes.signOutEverywhere, handlers.signOutEverywhere, handlers.formHook("sign-out-everywhere"));

// a person gets a page, never JSON
preferencesRoutes.onError(pageError);
