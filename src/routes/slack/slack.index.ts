import { createRouter } from "../common";
import { pageError } from "../pages/layout";
import * as handlers from "./slack.handlers";
import * as routes from "./slack.routes";

export const slackRoutes = createRouter()
  .openapi(routes.install, handlers.install, handlers.installQuery)
  .openapi(routes.callback, handlers.callback, handlers.callbackQuery);

// a person gets a page, never JSON
slackRoutes.onError(pageError);
