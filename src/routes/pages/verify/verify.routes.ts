import { createRoute } from "@hono/zod-openapi";
import { noAuth } from "../../common";
import { htmlResponse, TokenParam } from "../page-routes";

const tags = ["pages"];

/**
 * Double opt-in for extra email addresses. The link in the confirmation email opens a page whose
 * button confirms: mail scanners and link previews follow links (GET), so GET changes nothing.
 * The signed token is the only credential, so the POST needs no cookie.
 */
export const show = createRoute({
  method: "get",
  path: "/verify-email/{token}",
  operationId: "showEmailConfirmationPage",
  security: noAuth,
  tags,
  summary: "The confirmation link of an added email address: shows a confirm button; never confirms",
  request: { params: TokenParam },
  responses: { 200: htmlResponse, 400: htmlResponse },
});

export const confirm = createRoute({
  method: "post",
  path: "/verify-email/{token}",
  operationId: "confirmEmail",
  security: noAuth,
  tags,
  summary: "Confirms the address (pending_verification → active); no cookie needed",
  request: { params: TokenParam },
  responses: { 200: htmlResponse, 400: htmlResponse },
});
