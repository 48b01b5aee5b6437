import { createRoute, z } from "@hono/zod-openapi";
import { noAuth } from "../../common";
import { htmlResponse } from "../page-routes";

const tags = ["pages"];

/**
 * The link of the sign-up confirmation email (contract: "Sign-up — public"). The GET only shows a
 * button (mail scanners follow links); the POST confirms. The link's signed token is the only
 * credential, so the POST needs no cookie and a forged cross-site form has nothing to post. Both
 * are rate-limited per client address (PUBLIC_RATE_LIMITED_PATHS); the business is in
 * services/signup.ts, the JSON request in routes/signup.
 */
export const showConfirm = createRoute({
  method: "get",
  path: "/signup/confirm",
  operationId: "showSignupConfirmationPage",
  security: noAuth,
  tags,
  summary: "The link of a sign-up confirmation email: shows a confirm button; never confirms",
  request: { query: z.object({ token: z.string() }) },
  responses: { 200: htmlResponse, 400: htmlResponse, 429: htmlResponse },
});

export const confirm = createRoute({
  method: "post",
  path: "/signup/confirm",
  operationId: "confirmSignup",
  security: noAuth,
  tags,
  summary: "Confirms the sign-up (once): a new address becomes a free user; a known one gets what its plan allows",
  request: { body: { content: { "application/x-www-form-urlencoded": { schema: z.object({ token: z.string() }) } } } },
  responses: { 200: htmlResponse, 400: htmlResponse, 429: htmlResponse },
});
