import type { Context } from "hono";
import type { AppEnv } from "../../../middleware/context";
import { confirmSignupLink, readSignupLink } from "../../../services/signup";
import type { AppRouteHandler } from "../../common";
import { readForm } from "../layout";
import type * as routes from "./signup.routes";
import { badLink, confirmedPage, confirmQuestionPage } from "./signup.views";

export const showConfirm: AppRouteHandler<typeof routes.showConfirm> = (c) => showConfirmFor(c, c.req.valid("query").token);

/** No token, or two: the first one given, or none (a damaged link), as a page. */
export const showConfirmHook = (result: { success: boolean }, c: Context<AppEnv>) =>
  result.success ? undefined : showConfirmFor(c, c.req.query("token") ?? "");

export const confirm: AppRouteHandler<typeof routes.confirm> = (c) => confirmWith(c, c.req.valid("form").token);

/** A form without a token, or with two: the last one given, or none (a damaged link), as a page. */
export const confirmHook = (result: { success: boolean }, c: Context<AppEnv>) =>
  result.success ? undefined : readForm(c).then((form) => confirmWith(c, form.token));

async function showConfirmFor(c: Context<AppEnv>, token: string) {
  const { keys, clock, database } = c.get("deps");
  const found = await readSignupLink(database.db, keys, token, clock.now());
  if ("problem" in found) return badLink(c, found.problem);
  return confirmQuestionPage(c, token, found.signup, found.known);
}

async function confirmWith(c: Context<AppEnv>, token: unknown) {
  const { keys, clock, database, onQueued } = c.get("deps");
  const done = await confirmSignupLink(database.db, keys, typeof token === "string" ? token : "", clock.now());
  if ("problem" in done) return badLink(c, done.problem);
  if (done.queued) onQueued?.();
  return confirmedPage(c, done.result, done.signInSent);
}
