import { createRouter } from "../common";
import * as handlers from "./catalog.handlers";
import * as routes from "./catalog.routes";

export const catalogRoutes = createRouter().openapi(routes.listPlatforms, handlers.listPlatforms);
