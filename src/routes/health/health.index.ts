import { createRouter } from "../common";
import * as handlers from "./health.handlers";
import * as routes from "./health.routes";

export const healthRoutes = createRouter().openapi(routes.health, handlers.health).openapi(routes.readiness, handlers.readiness);
