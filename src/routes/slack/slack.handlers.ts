import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../../middleware/context";
import { readSession } from "../../middleware/session";
import { userFromSignInToken } from "../../services/sign-in";
import { beginSlackInstall, completeSlackInstall, STATE_TTL_S } from "../../services/slack-install";
import type { AppRouteHandler } from "../common";
import { badLinkPage } from "../pages/signin/signin.views";
import type * as routes from "./slack.routes";
import { callbackPage, notSetUpPage, refusedPage, tierLimitPage } from "./slack.views";

/**
 * "Add to Slack". The state's nonce is also set as a cookie (path /slack) in the browser that
 * started, so a state cannot be completed in someone else's browser.
 */
const STATE_COOKIE = "cw_slack_state";
const DAMAGED_LINK = "This “Add to Slack” link is damaged or has expired.";

/** The user from a signed link (`?token=`) or, failing that, the preference page's session. */
async function installingUser(c: Context<AppEnv>, token: string | undefined) {
  const { keys, clock, database } = c.get("deps");
  if (token !== undefined) return userFromSignInToken(database.db, keys, token, clock.now());
  return (await readSession(c))?.user ?? null;
}

export const install: AppRouteHandler<typeof routes.install> = async (c) => {
  const deps = c.get("deps");
  if (!deps.config.slack) return notSetUpPage(c);
  const user = await installingUser(c, c.req.valid("query").token);
  if (!user) return badLinkPage(c, DAMAGED_LINK);
  const begun = await beginSlackInstall(deps, deps.config.slack, user, deps.clock.now());
  if (begun.kind === "tier_limit") return tierLimitPage(c, begun);
  setCookie(c, STATE_COOKIE, begun.nonce, {
    path: "/slack",
    httpOnly: true,
    sameSite: "Lax",
    secure: deps.config.publicUrl.startsWith("https:"),
    maxAge: STATE_TTL_S,
  });
  c.header("Cache-Control", "no-store");
  return c.redirect(begun.authorizeUrl, 302);
};

export const callback: AppRouteHandler<typeof routes.callback> = async (c) => {
  const deps = c.get("deps");
  if (!deps.config.slack) return notSetUpPage(c);
  const cookie = getCookie(c, STATE_COOKIE);
  const { spent, outcome } = await completeSlackInstall(
    deps,
    deps.config.slack,
    { ...c.req.valid("query"), cookie },
    deps.clock.now(),
  );
  if (spent) deleteCookie(c, STATE_COOKIE, { path: "/slack" });
  return callbackPage(c, outcome);
};

/**
 * Validation hooks: a query no link or Slack redirect carries (a parameter given twice) gets the
 * page a damaged link gets, not the JSON error.
 */
export const installQuery = (result: { success: boolean }, c: Context<AppEnv>) =>
  result.success ? undefined : badLinkPage(c, DAMAGED_LINK);
export const callbackQuery = (result: { success: boolean }, c: Context<AppEnv>) =>
  result.success ? undefined : refusedPage(c, { why: "bad_state" });
