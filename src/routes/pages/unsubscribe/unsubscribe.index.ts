import { createRouter } from "../../common";
import * as handlers from "./unsubscribe.handlers";
import * as routes from "./unsubscribe.routes";

export const unsubscribeRoutes = createRouter()
  .openapi(routes.show, handlers.show)
  .openapi(routes.unsubscribe, handlers.unsubscribe);
