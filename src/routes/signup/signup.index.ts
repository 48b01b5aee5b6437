import { createRouter } from "../common";
import * as handlers from "./signup.handlers";
import * as routes from "./signup.routes";

/** `POST /v1/signup` (JSON, with the API's error body); its confirmation pages are routes/pages/signup. */
export const signupRoutes = createRouter().openapi(routes.create, handlers.create);
