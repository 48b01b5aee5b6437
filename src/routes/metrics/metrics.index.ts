import { createRouter } from "../common";
import * as handlers from "./metrics.handlers";
import * as routes from "./metrics.routes";

export const metricsRoutes = createRouter().openapi(routes.getMetrics, handlers.getMetrics);
