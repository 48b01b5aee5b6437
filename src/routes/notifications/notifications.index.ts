import { createRouter } from "../common";
import * as handlers from "./notifications.handlers";
import * as routes from "./notifications.routes";

export const notificationRoutes = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.resend, handlers.resend);
