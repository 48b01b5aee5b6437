import { createRoute, z } from "@hono/zod-openapi";
import { noAuth } from "../../common";
import { htmlResponse, TokenParam } from "../page-routes";

const tags = ["pages"];

/**
 * The two ways to get a sign-in link without one:
 * - `/manage/<token>`: the "Manage preferences" link of every message that does not go to the
 *   account's own address (Slack, webhooks, other addresses). It names the account but cannot
 *   open it: its one button emails a fresh sign-in link to the account address.
 * - `/signin`: a form that takes an address and, if an account uses it, emails a link there.
 * Both answer the same words whatever happened, so neither tells anyone which addresses have
 * accounts or what an account's address is; both are rate-limited per client address (the
 * public limit) and per account (services/sign-in.ts).
 */
export const showManage = createRoute({
  method: "get",
  path: "/manage/{token}",
  operationId: "showManagePage",
  security: noAuth,
  tags,
  summary:
    "The manage link of Slack, webhook and other-address messages: a page that can only email a sign-in link to the account address",
  request: { params: TokenParam },
  responses: { 200: htmlResponse, 400: htmlResponse, 429: htmlResponse },
});

export const emailManageLink = createRoute({
  method: "post",
  path: "/manage/{token}",
  operationId: "emailManageSignInLink",
  security: noAuth,
  tags,
  summary:
    "Emails a fresh sign-in link to the account's own address (a few an hour at most); the answer never reveals the address",
  request: { params: TokenParam },
  responses: { 200: htmlResponse, 400: htmlResponse, 429: htmlResponse },
});

export const showSignIn = createRoute({
  method: "get",
  path: "/signin",
  operationId: "showSignInPage",
  security: noAuth,
  tags,
  summary: "A form to have a sign-in link emailed to an account address",
  responses: { 200: htmlResponse, 429: htmlResponse },
});

export const SignInForm = z.object({ email: z.string() });

export const requestLink = createRoute({
  method: "post",
  path: "/signin",
  operationId: "requestSignInLink",
  security: noAuth,
  tags,
  summary: "Emails a sign-in link if an account uses the address; answers the same either way",
  request: { body: { content: { "application/x-www-form-urlencoded": { schema: SignInForm } } } },
  responses: { 200: htmlResponse, 400: htmlResponse, 429: htmlResponse },
});
