import { createRouter } from "../common";
import * as handlers from "./docs.handlers";
import * as routes from "./docs.routes";

/**
 * The API reference at /docs and its script. Its script comes from this service (/docs/scalar.js),
 * never a CDN: the page's policy runs only the scripts it tagged, and an offline machine has no CDN.
 */
export const docsRoutes = createRouter().openapi(routes.reference, handlers.reference).openapi(routes.script, handlers.script);

// /openapi.json has no handler here (app.doc31 serves it): only its description joins the document.
docsRoutes.openAPIRegistry.registerPath(routes.document);
