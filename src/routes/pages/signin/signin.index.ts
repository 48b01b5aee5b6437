import { createRouter } from "../../common";
import { pageError } from "../layout";
import * as handlers from "./signin.handlers";
import * as routes from "./signin.routes";

/** `/manage/<token>` and `/signin`: a sign-in link by email, for a person who has none. */
export const signInRoutes = createRouter()
  .openapi(routes.showManage, handlers.showManage)
  .openapi(routes.emailManageLink, handlers.emailManageLink)
  .openapi(routes.showSignIn, handlers.showSignIn)
  .openapi(routes.requestLink, handlers.requestLink, handlers.requestLinkHook);

// a person gets a page, never JSON
signInRoutes.onError(pageError);
