import { createRoute, z } from "@hono/zod-openapi";
import { noAuth, optionalSession } from "../common";
import { htmlResponse } from "../pages/page-routes";

const tags = ["pages"];

export const install = createRoute({
  method: "get",
  path: "/slack/install",
  operationId: "installSlack",
  security: optionalSession,
  tags,
  summary: "Add to Slack: redirects to Slack's OAuth v2 authorize page with a signed, single-use state",
  request: { query: z.object({ token: z.string().optional().openapi({ description: "a preferences token" }) }) },
  responses: { 302: { description: "To Slack" }, 400: htmlResponse, 403: htmlResponse, 404: htmlResponse },
});

export const callback = createRoute({
  method: "get",
  path: "/slack/oauth/callback",
  operationId: "completeSlackInstall",
  security: noAuth,
  tags,
  summary: "Add to Slack: exchanges the code (oauth.v2.access) and creates the Slack channel",
  request: {
    query: z.object({ code: z.string().optional(), state: z.string().optional(), error: z.string().optional() }),
  },
  responses: { 200: htmlResponse, 400: htmlResponse, 403: htmlResponse, 404: htmlResponse, 409: htmlResponse, 502: htmlResponse },
});
