import { createRouter } from "../common";
import * as handlers from "./jobs.handlers";
import * as routes from "./jobs.routes";

export const jobsRoutes = createRouter().openapi(routes.runDigests, handlers.runDigests);
