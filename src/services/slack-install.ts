import type { OauthV2AccessResponse } from "@slack/web-api";
import { insertOauthState, spendOauthState } from "../db/queries/oauth-states";
import { getUser } from "../db/queries/users";
import type { UserRow } from "../db/schema/users";
import type { Deps, SlackAppConfig } from "../deps";
import { randomToken, timingSafeEqualStr } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { slackOAuthAccess } from "../lib/slack-oauth";
import { effectiveTier, type Tier } from "../lib/tiers";
import { signToken, verifyToken } from "../lib/tokens";
import { channelEnv, checkChannelTier, createChannel, queueChannelTest } from "./channels";

/**
 * "Add to Slack" (OAuth v2). The install sends the browser to Slack with a `state` that is signed
 * (purpose `slack-state`, naming the user), expires in STATE_TTL_S, and is single-use: its nonce is
 * a row in `oauth_states`, spent by the callback with one conditional UPDATE. The nonce also goes
 * into a cookie of the browser that started (the route sets it), so a state cannot be completed in
 * someone else's browser (which would connect their workspace to our user).
 */
const SLACK_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize";
/** chat:write posts messages; incoming-webhook makes Slack show a channel picker during install. */
const SLACK_SCOPES = "chat:write,incoming-webhook";
export const STATE_TTL_S = 10 * 60;

type SlackDeps = Pick<Deps, "database" | "keys" | "config" | "log" | "resolveHost" | "onQueued">;

const redirectUri = (publicUrl: string) => `${publicUrl}/slack/oauth/callback`;

/** The user's plan has no room for another Slack channel: its tier and the limit's message. */
export type TierLimit = { kind: "tier_limit"; tier: Tier; message: string };
const tierLimit = (user: UserRow, e: ApiError, now: Date): TierLimit => ({
  kind: "tier_limit",
  tier: effectiveTier(user, now),
  message: e.message,
});

/**
 * Starts an installation for the user: their tier is checked first (said before the trip to Slack;
 * the callback checks again, for real, in its transaction), then a state nonce is stored. Returns
 * the nonce for the browser's cookie and Slack's authorize URL, or the tier's limit.
 */
export async function beginSlackInstall(
  deps: SlackDeps,
  slack: SlackAppConfig,
  user: UserRow,
  now: Date,
): Promise<{ kind: "redirect"; nonce: string; authorizeUrl: string } | TierLimit> {
  const db = deps.database.db;
  try {
    await checkChannelTier(db, user, "slack", now);
  } catch (e) {
    if (e instanceof ApiError && e.code === "tier_limit") return tierLimit(user, e, now);
    throw e;
  }
  const nonce = randomToken(24);
  await insertOauthState(db, nonce, user.id, now);
  const state = await signToken(deps.keys, {
    p: "slack-state",
    s: user.id,
    e: Math.floor(now.getTime() / 1000) + STATE_TTL_S,
    x: nonce,
  });
  const url = new URL(slack.authorizeUrl ?? SLACK_AUTHORIZE_URL);
  url.searchParams.set("client_id", slack.clientId);
  url.searchParams.set("scope", SLACK_SCOPES);
  url.searchParams.set("redirect_uri", redirectUri(deps.config.publicUrl));
  url.searchParams.set("state", state);
  return { kind: "redirect", nonce, authorizeUrl: url.toString() };
}

/** Why the callback connected nothing (each is a 400 page). */
export type SlackRefusal =
  | { why: "bad_state" | "other_browser" | "used" | "no_code" | "incomplete_grant" | "no_user" }
  | { why: "slack_refused" | "unusable"; detail: string };

export type SlackInstallOutcome =
  | ({ kind: "refused" } & SlackRefusal)
  | { kind: "cancelled" }
  | { kind: "unreachable" }
  | TierLimit
  | { kind: "already_connected" }
  | { kind: "connected"; channelId: string; channelName?: string; teamName?: string };

/** What Slack's redirect carried, and the state cookie of this browser. */
export interface SlackCallback {
  state?: string;
  code?: string;
  error?: string;
  cookie?: string;
}

const refused = (r: SlackRefusal): SlackInstallOutcome => ({ kind: "refused", ...r });

/**
 * Completes an installation: spends the state (only in the browser that started it), exchanges
 * the code (oauth.v2.access) and creates the Slack channel, whose welcome message is queued.
 * `spent` says the state was used up, so its cookie can go.
 */
export async function completeSlackInstall(
  deps: SlackDeps,
  slack: SlackAppConfig,
  callback: SlackCallback,
  now: Date,
): Promise<{ spent: boolean; outcome: SlackInstallOutcome }> {
  const spent = await spendState(deps, callback, now);
  if ("kind" in spent) return { spent: false, outcome: spent };
  if (callback.error) return { spent: true, outcome: { kind: "cancelled" } };
  if (!callback.code) return { spent: true, outcome: refused({ why: "no_code" }) };
  return { spent: true, outcome: await connectWorkspace(deps, slack, spent.userId, callback.code, now) };
}

/** The user whose state this is, once its nonce is spent; else why not. */
async function spendState(
  deps: SlackDeps,
  callback: SlackCallback,
  now: Date,
): Promise<{ userId: string } | SlackInstallOutcome> {
  const claims = await verifyToken(deps.keys, "slack-state", callback.state ?? "", now);
  if (!claims?.x) return refused({ why: "bad_state" });
  if (!callback.cookie || !(await timingSafeEqualStr(callback.cookie, claims.x))) return refused({ why: "other_browser" });
  const issuedAfter = new Date(now.getTime() - STATE_TTL_S * 1000);
  if (!(await spendOauthState(deps.database.db, claims.x, claims.s, issuedAfter, now))) return refused({ why: "used" });
  return { userId: claims.s };
}

/** Exchanges the code, then adds the channel to the user who started. */
async function connectWorkspace(
  deps: SlackDeps,
  slack: SlackAppConfig,
  userId: string,
  code: string,
  now: Date,
): Promise<SlackInstallOutcome> {
  const exchanged = await exchangeCode(deps, slack, code);
  if (!("grant" in exchanged)) return exchanged;
  const { grant } = exchanged;
  const channelId = grant.incoming_webhook?.channel_id;
  if (!grant.access_token || !channelId) return refused({ why: "incomplete_grant" });
  const user = await getUser(deps.database.db, userId);
  if (!user) return refused({ why: "no_user" });
  const outcome = await addSlackChannel(deps, user, grant.access_token, channelId, now);
  return outcome ?? { kind: "connected", channelId, channelName: grant.incoming_webhook?.channel, teamName: grant.team?.name };
}

/** oauth.v2.access over fetch, not the SDK: the same call works in the Worker (lib/slack-oauth.ts). */
async function exchangeCode(
  deps: SlackDeps,
  slack: SlackAppConfig,
  code: string,
): Promise<{ grant: OauthV2AccessResponse } | SlackInstallOutcome> {
  try {
    const access = await slackOAuthAccess(slack.apiUrl, {
      client_id: slack.clientId,
      client_secret: slack.clientSecret,
      code,
      redirect_uri: redirectUri(deps.config.publicUrl),
    });
    return access.ok ? { grant: access.grant } : refused({ why: "slack_refused", detail: access.error });
  } catch (err) {
    deps.log.warn("slack oauth exchange failed", { error: err instanceof Error ? err.message : String(err) });
    return { kind: "unreachable" };
  }
}

/** Creates the channel and queues its welcome message (a test message, like "Send test" on the page); undefined when done. */
async function addSlackChannel(
  deps: SlackDeps,
  user: UserRow,
  botToken: string,
  channel: string,
  now: Date,
): Promise<SlackInstallOutcome | undefined> {
  const { database } = deps;
  try {
    const { row } = await createChannel(database.db, channelEnv(deps), user.id, "slack", { bot_token: botToken, channel }, now);
    await queueChannelTest(database.db, user.id, row.id, now);
    deps.onQueued?.();
    return undefined;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.code === "tier_limit") return tierLimit(user, e, now);
    if (e.code === "conflict") return { kind: "already_connected" };
    return refused({ why: "unusable", detail: e.message });
  }
}
