import { createRoute, z } from "@hono/zod-openapi";
import { requireUser } from "../../middleware/auth";
import { bearer, errors, json, jsonBody } from "../common";
import { AlertPrefs, DigestPrefs, timezone, UserSchema } from "../schemas";

const PatchMeBody = z.object({ timezone, digest: DigestPrefs, alerts: AlertPrefs }).partial().strict().openapi("PatchMe");

const tags = ["self-service"];
const security = bearer;
const middleware = [requireUser];

export const getMe = createRoute({
  method: "get",
  path: "/v1/me",
  operationId: "getMe",
  tags,
  summary: "The calling user",
  security,
  middleware,
  responses: { 200: json(UserSchema, "The user"), 401: errors[401] },
});

export const patchMe = createRoute({
  method: "patch",
  path: "/v1/me",
  operationId: "updateMe",
  tags,
  summary: "Change time zone, digest schedule or alert timing (nested objects merge)",
  security,
  middleware,
  request: { body: jsonBody(PatchMeBody) },
  responses: { 200: json(UserSchema, "The user"), 400: errors[400], 401: errors[401] },
});

export const rotateKey = createRoute({
  method: "post",
  path: "/v1/me/api-key",
  operationId: "rotateApiKey",
  tags,
  summary: "Replace the API key; the old one stops working at once",
  security,
  middleware,
  responses: { 200: json(z.object({ api_key: z.string() }), "The new key, shown once"), 401: errors[401] },
});

export const preferencesLink = createRoute({
  method: "post",
  path: "/v1/me/preferences-link",
  operationId: "createPreferencesLink",
  tags,
  summary: "A sign-in link to the preference page (valid 7 days; opening it starts a session)",
  description:
    "The link signs its holder in to this account: it is for the caller, who holds the API key anyway. `POST /v1/me/sessions/revoke` voids it.",
  security,
  middleware,
  responses: { 200: json(z.object({ url: z.string(), expires_at: z.string() }), "The link"), 401: errors[401] },
});

export const revokeSessions = createRoute({
  method: "post",
  path: "/v1/me/sessions/revoke",
  operationId: "revokeSessions",
  tags,
  summary: "Sign out everywhere: ends every preference-page session and voids every sign-in link issued before",
  security,
  middleware,
  responses: { 204: { description: "Every session ended" }, 401: errors[401] },
});
