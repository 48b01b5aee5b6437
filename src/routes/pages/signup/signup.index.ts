import { createRouter } from "../../common";
import { pageError } from "../layout";
import * as handlers from "./signup.handlers";
import * as routes from "./signup.routes";

/** The sign-up confirmation pages; the JSON request (`POST /v1/signup`) is routes/signup. */
export const signupPageRoutes = createRouter()
  .openapi(routes.showConfirm, handlers.showConfirm, handlers.showConfirmHook)
  .openapi(routes.confirm, handlers.confirm, handlers.confirmHook);

// a person gets a page, never JSON (errors included)
signupPageRoutes.onError(pageError);
