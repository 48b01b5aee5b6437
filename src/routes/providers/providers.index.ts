import { createRouter } from "../common";
import * as handlers from "./providers.handlers";
import * as routes from "./providers.routes";

export const providerRoutes = createRouter().openapi(routes.resend, handlers.resend);
