import type { Context } from "hono";
import type { AppEnv } from "../../../middleware/context";
import { emailSignInLink, emailSignInLinkForManageLink, userIdFromManageToken } from "../../../services/sign-in";
import type { AppRouteHandler } from "../../common";
import { messagePage, readForm } from "../layout";
import type * as routes from "./signin.routes";
import { badManageLink, managePage, SENT, signInForm } from "./signin.views";

export const showManage: AppRouteHandler<typeof routes.showManage> = async (c) => {
  const { keys, clock } = c.get("deps");
  const { token } = c.req.valid("param");
  if (!(await userIdFromManageToken(keys, token, clock.now()))) return badManageLink(c);
  return managePage(c, token);
};

export const emailManageLink: AppRouteHandler<typeof routes.emailManageLink> = async (c) => {
  const { keys, clock, database, onQueued } = c.get("deps");
  const outcome = await emailSignInLinkForManageLink(database.db, keys, c.req.valid("param").token, clock.now());
  if (outcome === "bad_link") return badManageLink(c);
  if (outcome === "queued") onQueued?.();
  return messagePage(c, "Check the account's inbox", SENT);
};

export const showSignIn: AppRouteHandler<typeof routes.showSignIn> = (c) => signInForm(c);

export const requestLink: AppRouteHandler<typeof routes.requestLink> = (c) => requestLinkFor(c, c.req.valid("form").email);

/** A form the schema refuses (no email field, or two) gets the form back with its error, as a page. */
export const requestLinkHook = (result: { success: boolean }, c: Context<AppEnv>) =>
  result.success ? undefined : readForm(c).then((form) => requestLinkFor(c, form.email));

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

async function requestLinkFor(c: Context<AppEnv>, value: unknown) {
  const { clock, database, onQueued } = c.get("deps");
  const email = typeof value === "string" ? value.trim() : "";
  if (!EMAIL.test(email)) return signInForm(c, 400, "That does not look like an email address.", email.slice(0, 320));
  if (await emailSignInLink(database.db, email, clock.now())) onQueued?.();
  return messagePage(c, "Check your inbox", SENT);
}
