import { createRouter } from "../common";
import * as handlers from "./me.handlers";
import * as routes from "./me.routes";

export const meRoutes = createRouter()
  .openapi(routes.getMe, handlers.getMe)
  .openapi(routes.patchMe, handlers.patchMe)
  .openapi(routes.rotateKey, handlers.rotateKey)
  .openapi(routes.preferencesLink, handlers.preferencesLink)
  .openapi(routes.revokeSessions, handlers.revokeSessions);
