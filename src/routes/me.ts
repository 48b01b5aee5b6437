import { createRoute, z } from "@hono/zod-openapi";
import { updatePreferences } from "../db/queries/preferences";
import { rotateApiKey } from "../db/queries/users";
import { signInLink } from "../lib/links";
import { requireUser } from "../middleware/auth";
import { revokeAllSessions } from "../services/sign-in";
import { bearer, createRouter, errors, json, jsonBody } from "./common";
import { AlertPrefs, DigestPrefs, timezone, UserSchema } from "./schemas";
import { userJson } from "./serialize";

const PatchMeBody = z.object({ timezone, digest: DigestPrefs, alerts: AlertPrefs }).partial().strict().openapi("PatchMe");

const getMe = createRoute({
  method: "get",
  path: "/v1/me",
  operationId: "getMe",
  tags: ["self-service"],
  summary: "The calling user",
  security: bearer,
  middleware: [requireUser],
  responses: { 200: json(UserSchema, "The user"), 401: errors[401] },
});

const patchMe = createRoute({
  method: "patch",
  path: "/v1/me",
  operationId: "updateMe",
  tags: ["self-service"],
  summary: "Change time zone, digest schedule or alert timing (nested objects merge)",
  security: bearer,
  middleware: [requireUser],
  request: { body: jsonBody(PatchMeBody) },
  responses: { 200: json(UserSchema, "The user"), 400: errors[400], 401: errors[401] },
});

const rotateKey = createRoute({
  method: "post",
  path: "/v1/me/api-key",
  operationId: "rotateApiKey",
  tags: ["self-service"],
  summary: "Replace the API key; the old one stops working at once",
  security: bearer,
  middleware: [requireUser],
  responses: { 200: json(z.object({ api_key: z.string() }), "The new key, shown once"), 401: errors[401] },
});

const preferencesLink = createRoute({
  method: "post",
  path: "/v1/me/preferences-link",
  operationId: "createPreferencesLink",
  tags: ["self-service"],
  summary: "A sign-in link to the preference page (valid 7 days; opening it starts a session)",
  description:
    "The link signs its holder in to this account: it is for the caller, who holds the API key anyway. `POST /v1/me/sessions/revoke` voids it.",
  security: bearer,
  middleware: [requireUser],
  responses: { 200: json(z.object({ url: z.string(), expires_at: z.string() }), "The link"), 401: errors[401] },
});

const revokeSessions = createRoute({
  method: "post",
  path: "/v1/me/sessions/revoke",
  operationId: "revokeSessions",
  tags: ["self-service"],
  summary: "Sign out everywhere: ends every preference-page session and voids every sign-in link issued before",
  security: bearer,
  middleware: [requireUser],
  responses: { 204: { description: "Every session ended" }, 401: errors[401] },
});

export const meRoutes = createRouter()
  .openapi(getMe, (c) => c.json(userJson(c.get("user"), c.get("deps").clock.now()), 200))
  .openapi(patchMe, async (c) => {
    const { database, clock } = c.get("deps");
    const now = clock.now();
    const updated = await updatePreferences(database.db, c.get("user"), c.req.valid("json"), now);
    return c.json(userJson(updated, now), 200);
  })
  .openapi(rotateKey, async (c) => {
    const { database, clock } = c.get("deps");
    const apiKey = await rotateApiKey(database.db, c.get("user").id, clock.now());
    return c.json({ api_key: apiKey }, 200);
  })
  .openapi(preferencesLink, async (c) => {
    const { keys, clock, config } = c.get("deps");
    const link = await signInLink(keys, config.publicUrl, c.get("user"), clock.now());
    return c.json({ url: link.url, expires_at: link.expiresAt.toISOString() }, 200);
  })
  .openapi(revokeSessions, async (c) => {
    const { database, clock } = c.get("deps");
    await revokeAllSessions(database.db, c.get("user").id, clock.now());
    return c.body(null, 204);
  });
