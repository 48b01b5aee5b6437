/** @jsxImportSource hono/jsx */
import type { Context } from "hono";
import type { AppEnv } from "../../middleware/context";
import type { SlackInstallOutcome, SlackRefusal, TierLimit } from "../../services/slack-install";
import { messagePage } from "../pages/layout";
import { limitHint } from "../pages/preferences/plans";

/** The pages of "Add to Slack", on the common layout. */

const back = (
  <p>
    <a href="/preferences#channels">Back to your preferences</a>
  </p>
);

const REFUSAL: Record<SlackRefusal["why"], string> = {
  bad_state: "The answer from Slack did not carry a valid state (it was damaged or has expired).",
  other_browser: "This answer from Slack belongs to an installation started in another browser.",
  used: "This answer from Slack was already used.",
  no_code: "Slack sent no authorization code.",
  slack_refused: "Slack refused the installation",
  incomplete_grant: "Slack's answer named no bot token or no channel.",
  no_user: "The account that started this installation no longer exists.",
  unusable: "Slack's answer could not be used",
};
/** Slack's error code, or our reason, follows in brackets where there is one. */
const whyRefused = (r: SlackRefusal) => ("detail" in r ? `${REFUSAL[r.why]} (${r.detail}).` : REFUSAL[r.why]);

export const refusedPage = (c: Context<AppEnv>, r: SlackRefusal) =>
  messagePage(
    c,
    "Slack was not connected",
    <>
      <p>{whyRefused(r)}</p>
      <p>Start again from the “Add to Slack” link on your preference page.</p>
    </>,
    400,
  );

export function tierLimitPage(c: Context<AppEnv>, { tier, message }: TierLimit) {
  const next = limitHint(tier, message);
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

export const notSetUpPage = (c: Context<AppEnv>) =>
  messagePage(c, "Add to Slack is not set up", <p>This clausewatch server has no Slack app configured.</p>, 404);

/** The page that ends an installation, whatever came of it. */
export function callbackPage(c: Context<AppEnv>, outcome: SlackInstallOutcome) {
  switch (outcome.kind) {
    case "refused":
      return refusedPage(c, outcome);
    case "tier_limit":
      return tierLimitPage(c, outcome);
    case "cancelled":
      return messagePage(
        c,
        "Slack was not connected",
        <>
          <p>You cancelled in Slack; nothing changed.</p>
          {back}
        </>,
      );
    case "unreachable":
      return messagePage(
        c,
        "Slack did not answer",
        <>
          <p>Slack could not be reached; please try again in a minute.</p>
          {back}
        </>,
        502,
      );
    case "already_connected":
      return messagePage(
        c,
        "Already connected",
        <>
          <p>This Slack channel already receives your messages.</p>
          {back}
        </>,
        409,
      );
    case "connected":
      return connectedPage(c, outcome);
  }
}

function connectedPage(c: Context<AppEnv>, done: Extract<SlackInstallOutcome, { kind: "connected" }>) {
  const where = done.channelName ? `${done.channelName} in ${done.teamName ?? "your workspace"}` : done.channelId;
  return messagePage(
    c,
    "Slack connected",
    <>
      <p>{`Alerts and digests now go to ${where}. A welcome message is on its way there.`}</p>
      {back}
    </>,
  );
}
