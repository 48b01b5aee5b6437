/** @jsxImportSource hono/jsx */

import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../middleware/context";
import { queueSignInEmail, SIGN_IN_LINK_DAYS, userByEmail, userIdFromManageToken } from "../services/sign-in";
import { noAuth } from "./common";
import { messagePage, pageError } from "./pages/layout";
import { howToGetALink } from "./pages/preferences/index";

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
const SENT = (
  <>
    <p>
      {`If the account can receive email, a sign-in link is on its way to the account's own address. It works for ${SIGN_IN_LINK_DAYS} days.`}
    </p>
    <p class="muted">
      Nothing arrived? Check the spam folder, and wait a few minutes before asking again: a few links an hour are sent at most.
    </p>
  </>
);

const badManageLink = (c: Context<AppEnv>) =>
  messagePage(
    c,
    "This link does not work",
    <>
      <p>The link is damaged or has expired.</p>
      {howToGetALink}
    </>,
    400,
  );

function signInForm(c: Context<AppEnv>, status: 200 | 400 = 200, error?: string, typed = "") {
  return messagePage(
    c,
    "Sign in to clausewatch",
    <>
      <p>Enter the email address of your account: we send a sign-in link there.</p>
      <form method="post" action="/signin">
        <label for="email">Email address</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="email"
          required
          maxlength={320}
          value={typed}
          aria-invalid={error ? "true" : undefined}
          aria-describedby={error ? "email-error" : undefined}
        />
        {error ? (
          <p class="field-error" id="email-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit">Email me a sign-in link</button>
      </form>
    </>,
    status,
  );
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export const signInRoutes = new OpenAPIHono<AppEnv>();

signInRoutes
  .get("/manage/:token", async (c) => {
    const { keys, clock } = c.get("deps");
    const token = c.req.param("token");
    if (!(await userIdFromManageToken(keys, token, clock.now()))) return badManageLink(c);
    return messagePage(
      c,
      "Manage your clausewatch account",
      <>
        <p>
          For your security this link does not open the account: it can only email a sign-in link to the account's own address.
          Whoever reads that inbox can then change the watchlist, channels and schedule.
        </p>
        <form method="post" action={`/manage/${encodeURIComponent(token)}`}>
          <button type="submit">Email a sign-in link to the account address</button>
        </form>
      </>,
    );
  })
  .post("/manage/:token", async (c) => {
    const { keys, clock, database, onQueued } = c.get("deps");
    const now = clock.now();
    const userId = await userIdFromManageToken(keys, c.req.param("token"), now);
    if (!userId) return badManageLink(c);
    if (await queueSignInEmail(database.db, userId, now)) onQueued?.();
    return messagePage(c, "Check the account's inbox", SENT);
  })
  .get("/signin", (c) => signInForm(c))
  .post("/signin", async (c) => {
    const { clock, database, onQueued } = c.get("deps");
    const form: Record<string, unknown> = await c.req.parseBody().catch(() => ({}));
    const email = typeof form.email === "string" ? form.email.trim() : "";
    if (!EMAIL.test(email)) return signInForm(c, 400, "That does not look like an email address.", email.slice(0, 320));
    const now = clock.now();
    const user = await userByEmail(database.db, email);
    if (user && (await queueSignInEmail(database.db, user.id, now))) onQueued?.();
    return messagePage(c, "Check your inbox", SENT);
  });

signInRoutes.onError(pageError);

const html = { description: "An HTML page", content: { "text/html": { schema: { type: "string" as const } } } };
const tokenParam = z.object({ token: z.string().openapi({ param: { name: "token", in: "path" } }) });
signInRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/manage/{token}",
  operationId: "showManagePage",
  security: noAuth,
  tags: ["pages"],
  summary:
    "The manage link of Slack, webhook and other-address messages: a page that can only email a sign-in link to the account address",
  request: { params: tokenParam },
  responses: { 200: html, 400: html, 429: html },
});
signInRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/manage/{token}",
  operationId: "emailManageSignInLink",
  security: noAuth,
  tags: ["pages"],
  summary:
    "Emails a fresh sign-in link to the account's own address (a few an hour at most); the answer never reveals the address",
  request: { params: tokenParam },
  responses: { 200: html, 400: html, 429: html },
});
signInRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/signin",
  operationId: "showSignInPage",
  security: noAuth,
  tags: ["pages"],
  summary: "A form to have a sign-in link emailed to an account address",
  responses: { 200: html, 429: html },
});
signInRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/signin",
  operationId: "requestSignInLink",
  security: noAuth,
  tags: ["pages"],
  summary: "Emails a sign-in link if an account uses the address; answers the same either way",
  request: { body: { content: { "application/x-www-form-urlencoded": { schema: z.object({ email: z.string() }) } } } },
  responses: { 200: html, 400: html, 429: html },
});
