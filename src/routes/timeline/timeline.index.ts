import { createRouter } from "../common";
import * as handlers from "./timeline.handlers";
import * as routes from "./timeline.routes";

export const timelineRoutes = createRouter().openapi(routes.getTimeline, handlers.getTimeline);
