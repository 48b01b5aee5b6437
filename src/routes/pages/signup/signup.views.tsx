/** @jsxImportSource hono/jsx */
import type { Context } from "hono";
import { formatDate, PLAN_LABEL } from "../../../lib/format";
import { ENTITLEMENTS, TIERS } from "../../../lib/tiers";
import type { AppEnv } from "../../../middleware/context";
import type { ConfirmedSignup, SignupLinkProblem } from "../../../services/signup";
import { messagePage } from "../layout";
import { planName, platformsLine } from "../preferences/plans";

type Confirmed = ConfirmedSignup["result"];

const WHY: Record<SignupLinkProblem, string> = {
  damaged: "The link is damaged or has expired: sign-up links work for 24 hours.",
  spent: "This link was used already: each sign-up link works once.",
};

export const badLink = (c: Context<AppEnv>, problem: SignupLinkProblem) =>
  messagePage(
    c,
    "This sign-up link does not work",
    <>
      <p>{WHY[problem]}</p>
      <p>
        To try again, sign up once more on the site: a new link is emailed at once. Already have an account?{" "}
        <a href="/signin">Have a sign-in link emailed to you</a>.
      </p>
    </>,
    400,
  );

/** The GET of the emailed link: what confirming will do, and the one button that does it. */
export function confirmQuestionPage(
  c: Context<AppEnv>,
  token: string,
  s: { email: string; platform: string | null; plan: keyof typeof PLAN_LABEL },
  known: boolean,
) {
  // only the inbox the link went to sees this, so it may say that the account exists
  const question = known
    ? `${s.email} already has a clausewatch account. Add to it what this sign-up asked for${s.platform ? ` (watching ${s.platform})` : ""}?`
    : `Create ${PLAN_LABEL[s.plan]} for ${s.email}${s.platform ? `, watching ${s.platform}` : ""}?`;
  return messagePage(
    c,
    "Confirm your sign-up",
    <>
      <p>{question}</p>
      <form method="post" action="/signup/confirm">
        <input type="hidden" name="token" value={token} />
        <button type="submit">Confirm sign-up</button>
      </form>
      <p class="muted">If you did not ask for this, close the page: nothing is created and nothing more is sent.</p>
    </>,
  );
}

const PlansAllow = () => (
  <>
    <p>What the plans allow:</p>
    <ul>
      {TIERS.map((t) => (
        <li key={t}>{`${planName(t)}: ${platformsLine(ENTITLEMENTS[t]).replace(/^Watch/, "watch")}`}</li>
      ))}
    </ul>
  </>
);

/** The account, new or known, and whether a sign-in link went to it. */
function AccountNotice({ r, signInSent }: { r: Confirmed; signInSent: boolean }) {
  return r.kind === "created" ? (
    <p class="notice ok" role="status">
      {`${r.user.email} now has a free clausewatch account. We have emailed it a link to open your preferences.`}
    </p>
  ) : (
    <p class="notice ok" role="status">
      {`${r.user.email} already has a clausewatch account. ${signInSent ? "We have emailed it a sign-in link." : "Any clausewatch email gets you to your preferences."}`}
    </p>
  );
}

/** What the platform the sign-up named came to. */
function PlatformNote({ p }: { p: Confirmed["platform"] }) {
  if (p.kind === "added") return <p>{`You now watch ${p.platform}.`}</p>;
  if (p.kind === "already") return <p>{`You already watch ${p.platform}.`}</p>;
  if (p.kind !== "limit") return null;
  const max = ENTITLEMENTS[p.tier].maxPlatforms;
  return (
    <>
      <p>{`${p.platform} was not added: the ${planName(p.tier)} plan watches ${max === 1 ? "one platform" : `up to ${max} platforms`}, and your watchlist is full. Remove a platform on your preference page, or upgrade.`}</p>
      <PlansAllow />
    </>
  );
}

/** What the trial the sign-up asked for came to. */
function TrialNote({ r }: { r: Confirmed }) {
  const t = r.trial;
  if (t.kind === "started") {
    return (
      <p>{`Your ${planName(t.tier)} trial runs until ${formatDate(t.endsAt.toISOString(), r.user.timezone)}. Then the free plan applies again; nothing is deleted.`}</p>
    );
  }
  if (t.kind === "refused") {
    return <p>{`No ${planName(t.tier)} trial was started: each address gets one free trial, and this one has had it.`}</p>;
  }
  if (t.kind === "not_needed") {
    return (
      <p>{`No ${planName(t.tier)} trial was started: your account is on the ${planName(r.user.tier)} plan${r.user.tier === "free" ? " with a trial running" : ""}.`}</p>
    );
  }
  return null;
}

/** The POST's answer: the account, the platform and the trial, each in a sentence. */
export function confirmedPage(c: Context<AppEnv>, r: Confirmed, signInSent: boolean) {
  return messagePage(
    c,
    r.kind === "created" ? "Your account is ready" : "You already have an account",
    <>
      <AccountNotice r={r} signInSent={signInSent} />
      <PlatformNote p={r.platform} />
      <TrialNote r={r} />
      <p>
        <a href="/signin">Need another sign-in link?</a>
      </p>
    </>,
  );
}
