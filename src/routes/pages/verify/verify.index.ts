import { createRouter } from "../../common";
import { pageError } from "../layout";
import * as handlers from "./verify.handlers";
import * as routes from "./verify.routes";

export const verifyRoutes = createRouter().openapi(routes.show, handlers.show).openapi(routes.confirm, handlers.confirm);

// a person gets a page, never JSON
verifyRoutes.onError(pageError);
