import { createRouter } from "../common";
import * as handlers from "./watchlist.handlers";
import * as routes from "./watchlist.routes";

export const watchlistRoutes = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create, handlers.tierFirst(false))
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch, handlers.tierFirst(true))
  .openapi(routes.remove, handlers.remove);
