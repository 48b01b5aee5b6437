import { createRouter } from "../common";
import * as handlers from "./admin.handlers";
import * as routes from "./admin.routes";

export const adminRoutes = createRouter()
  .openapi(routes.createUser, handlers.createUser)
  .openapi(routes.listUsers, handlers.listUsers)
  .openapi(routes.getUser, handlers.getUser)
  .openapi(routes.updateUser, handlers.updateUser)
  .openapi(routes.getOutboxStats, handlers.getOutboxStats);
