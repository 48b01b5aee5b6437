/** @jsxImportSource hono/jsx */
import type { Context } from "hono";
import type { AppEnv } from "../../../middleware/context";
import { SIGN_IN_LINK_DAYS } from "../../../services/sign-in";
import { messagePage } from "../layout";

/**
 * The pages that get a person a sign-in link without one (routes/pages/signin), and the help
 * every dead link shows: the preference page's, the manage page's and Slack's.
 */

/** What a person with a dead link can do: a fresh link by email, right here (the /signin form). */
export const howToGetALink = (
  <>
    <p>
      Open the <strong>Manage preferences</strong> link at the bottom of a recent clausewatch email, or{" "}
      <a href="/signin">have a new sign-in link emailed to you</a>:
    </p>
    <form method="post" action="/signin" aria-label="Email me a new sign-in link">
      <label for="email">Your account's email address</label>
      <input id="email" name="email" type="email" autocomplete="email" required maxlength={320} />
      <button type="submit">Email me a new sign-in link</button>
    </form>
  </>
);

/** 400: the link is damaged, expired, or missing. */
export const badLinkPage = (c: Context<AppEnv>, why: string) =>
  messagePage(
    c,
    "This link does not work",
    <>
      <p>{why}</p>
      {howToGetALink}
    </>,
    400,
  );

/** What both ways answer, whatever happened: neither tells anyone which addresses have accounts. */
export const SENT = (
  <>
    <p>
      {`If the account can receive email, a sign-in link is on its way to the account's own address. It works for ${SIGN_IN_LINK_DAYS} days.`}
    </p>
    <p class="muted">
      Nothing arrived? Check the spam folder, and wait a few minutes before asking again: a few links an hour are sent at most.
    </p>
  </>
);

export const badManageLink = (c: Context<AppEnv>) =>
  messagePage(
    c,
    "This link does not work",
    <>
      <p>The link is damaged or has expired.</p>
      {howToGetALink}
    </>,
    400,
  );

/** The manage link's page: it names no address and can do one thing. */
export const managePage = (c: Context<AppEnv>, token: string) =>
  messagePage(
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

/** The /signin form; after a refused address, with what was typed and why. */
export function signInForm(c: Context<AppEnv>, status: 200 | 400 = 200, error?: string, typed = "") {
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
