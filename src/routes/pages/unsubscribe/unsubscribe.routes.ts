import { createRoute } from "@hono/zod-openapi";
import { noAuth } from "../../common";
import { htmlResponse, TokenParam } from "../page-routes";

const tags = ["public"];

/**
 * `GET` shows what the link would do and never changes anything (mail scanners follow links);
 * `POST` unsubscribes at once without cookies or CSRF tokens — RFC 8058 one-click, which mail
 * clients send as `List-Unsubscribe=One-Click`.
 */
export const show = createRoute({
  method: "get",
  path: "/unsubscribe/{token}",
  operationId: "showUnsubscribePage",
  security: noAuth,
  tags,
  summary: "Shows what the link would stop; never unsubscribes",
  request: { params: TokenParam },
  responses: { 200: htmlResponse, 400: htmlResponse },
});

export const unsubscribe = createRoute({
  method: "post",
  path: "/unsubscribe/{token}",
  operationId: "unsubscribe",
  security: noAuth,
  tags,
  summary: "RFC 8058 one-click unsubscribe: at once, no cookie needed",
  request: { params: TokenParam },
  responses: { 200: htmlResponse, 400: htmlResponse },
});
