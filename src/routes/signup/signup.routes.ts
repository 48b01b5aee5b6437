import { createRoute, z } from "@hono/zod-openapi";
import { emailAddress as email } from "../../lib/validation";
import { SIGNUP_PLANS } from "../../services/signup";
import { errors, json, jsonBody, noAuth } from "../common";
import { platformRef, timezone } from "../schemas";

/**
 * The site's "Create free account" / "Start … free trial" buttons (contract: "Sign-up — public").
 * `POST /v1/signup` answers the same 202 whatever the address; the email's link opens
 * `/signup/confirm` (routes/pages/signup). The path is rate-limited per client address
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

export const create = createRoute({
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
