/** @jsxImportSource hono/jsx */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { OauthV2AccessResponse } from "@slack/web-api";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { checkChannelTier, createChannel, queueChannelTest } from "../db/queries/channels";
import { getUser } from "../db/queries/users";
import { oauthStates } from "../db/schema";
import type { UserRow } from "../db/schema/users";
import { randomToken, timingSafeEqualStr } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { slackOAuthAccess } from "../lib/slack-oauth";
import { effectiveTier } from "../lib/tiers";
import { signToken, verifyToken } from "../lib/tokens";
import type { AppEnv } from "../middleware/context";
import { readSession } from "../middleware/session";
import { userFromSignInToken } from "../services/sign-in";
import { noAuth, optionalSession } from "./common";
import { messagePage, pageError } from "./pages/layout";
import { badLinkPage } from "./pages/preferences/index";
import { limitHint } from "./pages/preferences/plans";

/**
 * "Add to Slack" (OAuth v2). `/slack/install` sends the browser to Slack with a `state` that is
 * signed (purpose `slack-state`, naming the user), expires in STATE_TTL_S, and is single-use: its
 * nonce is a row in `oauth_states`, consumed by the callback with one conditional UPDATE. The
 * nonce is also set as a cookie in the browser that started, so a state cannot be completed in
 * someone else's browser (which would connect their workspace to our user).
 */
export const SLACK_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize";
/** chat:write posts messages; incoming-webhook makes Slack show a channel picker during install. */
export const SLACK_SCOPES = "chat:write,incoming-webhook";
const STATE_TTL_S = 10 * 60;
const STATE_COOKIE = "cw_slack_state";

const back = (
  <p>
    <a href="/preferences#channels">Back to your preferences</a>
  </p>
);

const refused = (c: Context<AppEnv>, why: string) =>
  messagePage(
    c,
    "Slack was not connected",
    <>
      <p>{why}</p>
      <p>Start again from the “Add to Slack” link on your preference page.</p>
    </>,
    400,
  );

/** The user from a signed link (`?token=`) or, failing that, the preference page's session. */
async function installingUser(c: Context<AppEnv>): Promise<UserRow | null> {
  const { keys, clock, database } = c.get("deps");
  const token = c.req.query("token");
  if (token !== undefined) return userFromSignInToken(database.db, keys, token, clock.now());
  return (await readSession(c))?.user ?? null;
}

function tierLimitPage(c: Context<AppEnv>, user: UserRow, message: string) {
  const next = limitHint(effectiveTier(user, c.get("deps").clock.now()), message);
  return messagePage(
    c,
    "Your plan does not include another Slack channel",
    <>
      <p>{`${message}.`}</p>
      {next ? <p>{next}</p> : null}
      {back}
    </>,
    403,
  );
}

const notSetUp = (c: Context<AppEnv>) =>
  messagePage(c, "Add to Slack is not set up", <p>This clausewatch server has no Slack app configured.</p>, 404);

export const slackRoutes = new OpenAPIHono<AppEnv>();

slackRoutes
  .get("/slack/install", async (c) => {
    const { config, keys, clock, database } = c.get("deps");
    if (!config.slack) return notSetUp(c);
    const user = await installingUser(c);
    if (!user) return badLinkPage(c, "This “Add to Slack” link is damaged or has expired.");
    const now = clock.now();
    try {
      // said before the trip to Slack; the callback checks again, for real, in its transaction
      await checkChannelTier(database.db, user, "slack", now);
    } catch (e) {
      if (e instanceof ApiError && e.code === "tier_limit") return tierLimitPage(c, user, e.message);
      throw e;
    }
    const nonce = randomToken(24);
    await database.db.insert(oauthStates).values({ nonce, userId: user.id, createdAt: now });
    const state = await signToken(keys, {
      p: "slack-state",
      s: user.id,
      e: Math.floor(now.getTime() / 1000) + STATE_TTL_S,
      x: nonce,
    });
    setCookie(c, STATE_COOKIE, nonce, {
      path: "/slack",
      httpOnly: true,
      sameSite: "Lax",
      secure: config.publicUrl.startsWith("https:"),
      maxAge: STATE_TTL_S,
    });
    const url = new URL(config.slack.authorizeUrl ?? SLACK_AUTHORIZE_URL);
    url.searchParams.set("client_id", config.slack.clientId);
    url.searchParams.set("scope", SLACK_SCOPES);
    url.searchParams.set("redirect_uri", `${config.publicUrl}/slack/oauth/callback`);
    url.searchParams.set("state", state);
    c.header("Cache-Control", "no-store");
    return c.redirect(url.toString(), 302);
  })
  .get("/slack/oauth/callback", async (c) => {
    const deps = c.get("deps");
    const { config, keys, clock, database } = deps;
    if (!config.slack) return notSetUp(c);
    const now = clock.now();
    const claims = await verifyToken(keys, "slack-state", c.req.query("state") ?? "", now);
    if (!claims?.x) return refused(c, "The answer from Slack did not carry a valid state (it was damaged or has expired).");
    const cookie = getCookie(c, STATE_COOKIE);
    if (!cookie || !(await timingSafeEqualStr(cookie, claims.x))) {
      return refused(c, "This answer from Slack belongs to an installation started in another browser.");
    }
    const consumed = await database.db
      .update(oauthStates)
      .set({ usedAt: now })
      .where(
        and(
          eq(oauthStates.nonce, claims.x),
          eq(oauthStates.userId, claims.s),
          isNull(oauthStates.usedAt),
          gt(oauthStates.createdAt, new Date(now.getTime() - STATE_TTL_S * 1000)),
        ),
      )
      .returning({ userId: oauthStates.userId });
    if (consumed.length === 0) return refused(c, "This answer from Slack was already used.");
    deleteCookie(c, STATE_COOKIE, { path: "/slack" });

    if (c.req.query("error"))
      return messagePage(
        c,
        "Slack was not connected",
        <>
          <p>You cancelled in Slack; nothing changed.</p>
          {back}
        </>,
      );
    const code = c.req.query("code");
    if (!code) return refused(c, "Slack sent no authorization code.");
    let grant: OauthV2AccessResponse;
    try {
      // over fetch, not the SDK: the same call works in the Worker (lib/slack-oauth.ts)
      const access = await slackOAuthAccess(config.slack.apiUrl, {
        client_id: config.slack.clientId,
        client_secret: config.slack.clientSecret,
        code,
        redirect_uri: `${config.publicUrl}/slack/oauth/callback`,
      });
      if (!access.ok) return refused(c, `Slack refused the installation (${access.error}).`);
      grant = access.grant;
    } catch (err) {
      deps.log.warn("slack oauth exchange failed", { error: err instanceof Error ? err.message : String(err) });
      return messagePage(
        c,
        "Slack did not answer",
        <>
          <p>Slack could not be reached; please try again in a minute.</p>
          {back}
        </>,
        502,
      );
    }
    const channelId = grant.incoming_webhook?.channel_id;
    if (!grant.access_token || !channelId) return refused(c, "Slack's answer named no bot token or no channel.");

    const user = await getUser(database.db, claims.s);
    if (!user) return refused(c, "The account that started this installation no longer exists.");
    const env = { keys, allowPrivateWebhookTargets: config.allowPrivateWebhookTargets, resolveHost: deps.resolveHost };
    try {
      const { row } = await createChannel(
        database.db,
        env,
        user.id,
        "slack",
        { bot_token: grant.access_token, channel: channelId },
        now,
      );
      // the welcome message: a test message through the outbox, like "Send test" on the page
      await queueChannelTest(database.db, user.id, row.id, now);
      deps.onQueued?.();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.code === "tier_limit") return tierLimitPage(c, user, e.message);
      if (e.code === "conflict") {
        return messagePage(
          c,
          "Already connected",
          <>
            <p>This Slack channel already receives your messages.</p>
            {back}
          </>,
          409,
        );
      }
      return refused(c, `Slack's answer could not be used (${e.message}).`);
    }
    const where = grant.incoming_webhook?.channel
      ? `${grant.incoming_webhook.channel} in ${grant.team?.name ?? "your workspace"}`
      : channelId;
    return messagePage(
      c,
      "Slack connected",
      <>
        <p>{`Alerts and digests now go to ${where}. A welcome message is on its way there.`}</p>
        {back}
      </>,
    );
  });

slackRoutes.onError(pageError);

const html = { description: "An HTML page", content: { "text/html": { schema: { type: "string" as const } } } };
slackRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/slack/install",
  operationId: "installSlack",
  security: optionalSession,
  tags: ["pages"],
  summary: "Add to Slack: redirects to Slack's OAuth v2 authorize page with a signed, single-use state",
  request: { query: z.object({ token: z.string().optional().openapi({ description: "a preferences token" }) }) },
  responses: { 302: { description: "To Slack" }, 400: html, 403: html, 404: html },
});
slackRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/slack/oauth/callback",
  operationId: "completeSlackInstall",
  security: noAuth,
  tags: ["pages"],
  summary: "Add to Slack: exchanges the code (oauth.v2.access) and creates the Slack channel",
  request: {
    query: z.object({ code: z.string().optional(), state: z.string().optional(), error: z.string().optional() }),
  },
  responses: { 200: html, 400: html, 403: html, 404: html, 409: html, 502: html },
});
