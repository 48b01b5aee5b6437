/** @jsxImportSource hono/jsx */

import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { SIGNUP_PLANS } from "../db/schema/signups";
import { formatDate, PLAN_LABEL } from "../lib/format";
import { ENTITLEMENTS, TIERS } from "../lib/tiers";
import { verifyToken } from "../lib/tokens";
import type { AppEnv } from "../middleware/context";
import { queueSignInEmail, userByEmail } from "../services/sign-in";
import { type ConfirmResult, confirmSignup, pendingSignup, requestSignup } from "../services/signup";
import { createRouter, errors, json, jsonBody, noAuth } from "./common";
import { messagePage, pageError } from "./pages/layout";
import { planName, platformsLine } from "./pages/preferences/plans";
import { email, platformRef, timezone } from "./schemas";

/**
 * The site's "Create free account" / "Start … free trial" buttons (contract: "Sign-up — public").
 * `POST /v1/signup` answers the same 202 whatever the address; the email's link opens
 * `/signup/confirm`, whose GET only shows a button (mail scanners follow links) and whose POST
 * confirms. The link's signed token is the only credential, so the POST needs no cookie and a
 * forged cross-site form has nothing to post. Both paths are rate-limited per client address
 * (PUBLIC_RATE_LIMITED_PATHS); the business is in services/signup.ts.
 */

const SignupBody = z
  .object({
    email,
    platform: platformRef
      .refine((p) => p !== "*", "must be one platform's slug")
      .optional()
      .openapi({ description: "A platform to watch (its slug, e.g. `anthropic`)", example: "anthropic" }),
    plan: z.enum(SIGNUP_PLANS).default("free").openapi({
      description: "`watcher_trial` / `professional_trial` start a 14-day trial, if the address never had one",
    }),
    timezone: timezone.optional(),
  })
  .openapi("Signup");

const Accepted = z.object({ status: z.literal("check_your_email") }).openapi("SignupAccepted");

const signupRoute = createRoute({
  method: "post",
  path: "/v1/signup",
  operationId: "signUp",
  tags: ["public"],
  security: noAuth,
  summary: "Sign up (double opt-in): emails a confirmation link; the answer is the same for every address",
  description:
    'Always `202 {"status": "check_your_email"}` for a valid body, whether or not the address has an account, ' +
    "and also when the address already got 3 confirmation emails in 24 hours or opted out of them (then nothing is sent). " +
    "The emailed link (`/signup/confirm?token=…`) works once, for 24 hours.",
  request: {
    body: jsonBody(SignupBody, {
      free: { summary: "Create free account", value: { email: "dana@example.com", platform: "anthropic" } },
      trial: {
        summary: "Start Professional free trial",
        value: { email: "dana@example.com", platform: "anthropic", plan: "professional_trial", timezone: "Europe/Berlin" },
      },
    }),
  },
  responses: {
    202: json(Accepted, "A confirmation email is on its way (if the address can get one)", { status: "check_your_email" }),
    400: errors[400],
    429: errors[429],
  },
});

const signupApi = createRouter().openapi(signupRoute, async (c) => {
  const body = c.req.valid("json");
  const { database, clock, onQueued } = c.get("deps");
  const queued = await requestSignup(
    database.db,
    { email: body.email, platform: body.platform ?? null, plan: body.plan, timezone: body.timezone ?? null },
    clock.now(),
  );
  if (queued) onQueued?.();
  return c.json({ status: "check_your_email" as const }, 202);
});

const badLink = (c: Context<AppEnv>, why: string) =>
  messagePage(
    c,
    "This sign-up link does not work",
    <>
      <p>{why}</p>
      <p>
        To try again, sign up once more on the site: a new link is emailed at once. Already have an account?{" "}
        <a href="/signin">Have a sign-in link emailed to you</a>.
      </p>
    </>,
    400,
  );

const DAMAGED = "The link is damaged or has expired: sign-up links work for 24 hours.";
const SPENT = "This link was used already: each sign-up link works once.";

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

function confirmedPage(c: Context<AppEnv>, r: Exclude<ConfirmResult, { kind: "spent" }>, signInSent: boolean) {
  const tz = r.user.timezone;
  const p = r.platform;
  const t = r.trial;
  return messagePage(
    c,
    r.kind === "created" ? "Your account is ready" : "You already have an account",
    <>
      {r.kind === "created" ? (
        <p class="notice ok" role="status">
          {`${r.user.email} now has a free clausewatch account. We have emailed it a link to open your preferences.`}
        </p>
      ) : (
        <p class="notice ok" role="status">
          {`${r.user.email} already has a clausewatch account. ${signInSent ? "We have emailed it a sign-in link." : "Any clausewatch email gets you to your preferences."}`}
        </p>
      )}
      {p.kind === "added" ? <p>{`You now watch ${p.platform}.`}</p> : null}
      {p.kind === "already" ? <p>{`You already watch ${p.platform}.`}</p> : null}
      {p.kind === "limit" ? (
        <>
          <p>{`${p.platform} was not added: the ${planName(p.tier)} plan watches ${ENTITLEMENTS[p.tier].maxPlatforms === 1 ? "one platform" : `up to ${ENTITLEMENTS[p.tier].maxPlatforms} platforms`}, and your watchlist is full. Remove a platform on your preference page, or upgrade.`}</p>
          <PlansAllow />
        </>
      ) : null}
      {t.kind === "started" ? (
        <p>{`Your ${planName(t.tier)} trial runs until ${formatDate(t.endsAt.toISOString(), tz)}. Then the free plan applies again; nothing is deleted.`}</p>
      ) : null}
      {t.kind === "refused" ? (
        <p>{`No ${planName(t.tier)} trial was started: each address gets one free trial, and this one has had it.`}</p>
      ) : null}
      {t.kind === "not_needed" ? (
        <p>{`No ${planName(t.tier)} trial was started: your account is on the ${planName(r.user.tier)} plan${r.user.tier === "free" ? " with a trial running" : ""}.`}</p>
      ) : null}
      <p>
        <a href="/signin">Need another sign-in link?</a>
      </p>
    </>,
  );
}

/** The pages answer HTML, errors included (pageError); the JSON route keeps the contract's error body. */
const signupPages = new OpenAPIHono<AppEnv>();

signupPages
  .get("/signup/confirm", async (c) => {
    const { keys, clock, database } = c.get("deps");
    const now = clock.now();
    const token = c.req.query("token") ?? "";
    const claims = await verifyToken(keys, "signup", token, now);
    if (!claims) return badLink(c, DAMAGED);
    const found = await pendingSignup(database.db, claims.s, now);
    if (found.state === "used") return badLink(c, SPENT);
    if (found.state !== "pending") return badLink(c, DAMAGED);
    const s = found.signup;
    // only the inbox the link went to sees this, so it may say that the account exists
    const known = await userByEmail(database.db, s.email);
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
  })
  .post("/signup/confirm", async (c) => {
    const { keys, clock, database, onQueued } = c.get("deps");
    const now = clock.now();
    const form: Record<string, unknown> = await c.req.parseBody().catch(() => ({}));
    const token = typeof form.token === "string" ? form.token : "";
    const claims = await verifyToken(keys, "signup", token, now);
    if (!claims) return badLink(c, DAMAGED);
    const result = await confirmSignup(database.db, claims.s, now);
    if (result.kind === "spent") return badLink(c, SPENT);
    // a known address proved it reads this inbox: a sign-in link there (at most a few an hour)
    const signInSent = result.kind === "existing" && (await queueSignInEmail(database.db, result.user.id, now));
    if (result.kind === "created" || signInSent) onQueued?.();
    return confirmedPage(c, result, signInSent);
  });

signupPages.onError(pageError);

const html = { description: "An HTML page", content: { "text/html": { schema: { type: "string" as const } } } };
signupPages.openAPIRegistry.registerPath({
  method: "get",
  path: "/signup/confirm",
  operationId: "showSignupConfirmationPage",
  security: noAuth,
  tags: ["pages"],
  summary: "The link of a sign-up confirmation email: shows a confirm button; never confirms",
  request: { query: z.object({ token: z.string() }) },
  responses: { 200: html, 400: html, 429: html },
});
signupPages.openAPIRegistry.registerPath({
  method: "post",
  path: "/signup/confirm",
  operationId: "confirmSignup",
  security: noAuth,
  tags: ["pages"],
  summary: "Confirms the sign-up (once): a new address becomes a free user; a known one gets what its plan allows",
  request: { body: { content: { "application/x-www-form-urlencoded": { schema: z.object({ token: z.string() }) } } } },
  responses: { 200: html, 400: html, 429: html },
});

/** Sign-up: the JSON route and its confirmation pages, mounted together (src/app.ts). */
export const signupRoutes = new OpenAPIHono<AppEnv>().route("/", signupApi).route("/", signupPages);
