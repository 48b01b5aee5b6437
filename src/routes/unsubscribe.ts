import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import type { Context } from "hono";
import { html } from "hono/html";
import type { Child } from "hono/jsx";
import { optOutOfConfirmations } from "../db/queries/confirmations";
import { channels, users } from "../db/schema";
import type { UnsubscribeScope } from "../lib/links";
import { verifyToken } from "../lib/tokens";
import type { AppEnv } from "../middleware/context";
import { createRouter, noAuth } from "./common";
import { messagePage, type PageStatus } from "./pages/layout";

const WHAT: Record<"alerts" | "digests" | "all", string> = {
  alerts: "same-day alerts",
  digests: "the weekly digest",
  all: "all clausewatch messages",
};
const channelOf = (scope: UnsubscribeScope) => (scope.startsWith("channel:") ? scope.slice("channel:".length) : null);
const describe = (scope: UnsubscribeScope) =>
  scope === "signup"
    ? "clausewatch confirmation emails at this address"
    : channelOf(scope)
      ? "clausewatch email at this address"
      : (WHAT[scope as keyof typeof WHAT] ?? WHAT.alerts);

/**
 * Pages on the common layout. `no-referrer`: the URL is the token, and these pages' posts need no
 * Origin (the token is the credential), so nothing, not even our own server, gets it as a Referer.
 */
const page = (c: Context<AppEnv>, title: string, body: Child, status: PageStatus = 200) =>
  messagePage(c, title, body, status, { referrer: "no-referrer" });

const badToken = (c: Context<AppEnv>) =>
  page(
    c,
    "This link is not valid",
    html`<p>The unsubscribe link is damaged or has expired. Use the link in a newer message, or open your preferences from any clausewatch email.</p>`,
    400,
  );

/**
 * `GET` shows what the link would do and never changes anything (mail scanners follow links);
 * `POST` unsubscribes at once without cookies or CSRF tokens — RFC 8058 one-click, which mail
 * clients send as `List-Unsubscribe=One-Click`.
 */
export const unsubscribeRoutes = createRouter();
const htmlDoc = { description: "An HTML page", content: { "text/html": { schema: { type: "string" as const } } } };
const tokenParam = z.object({ token: z.string().openapi({ param: { name: "token", in: "path" } }) });
unsubscribeRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/unsubscribe/{token}",
  operationId: "showUnsubscribePage",
  security: noAuth,
  tags: ["public"],
  summary: "Shows what the link would stop; never unsubscribes",
  request: { params: tokenParam },
  responses: { 200: htmlDoc, 400: htmlDoc },
});
unsubscribeRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/unsubscribe/{token}",
  operationId: "unsubscribe",
  security: noAuth,
  tags: ["public"],
  summary: "RFC 8058 one-click unsubscribe: at once, no cookie needed",
  request: { params: tokenParam },
  responses: { 200: htmlDoc, 400: htmlDoc },
});
unsubscribeRoutes
  .get("/unsubscribe/:token", async (c) => {
    const { keys, clock } = c.get("deps");
    const token = c.req.param("token");
    const claims = await verifyToken(keys, "unsubscribe", token, clock.now());
    if (!claims) return badToken(c);
    const scope = (claims.x ?? "alerts") as UnsubscribeScope;
    return page(
      c,
      "Unsubscribe",
      html`<p>Stop receiving ${describe(scope)}?</p>
<form method="post" action="/unsubscribe/${encodeURIComponent(token)}"><button type="submit" class="danger">Unsubscribe</button></form>
<p class="muted">Nothing changes until you press the button.</p>`,
    );
  })
  .post("/unsubscribe/:token", async (c) => {
    const { keys, clock, database } = c.get("deps");
    const now = clock.now();
    const claims = await verifyToken(keys, "unsubscribe", c.req.param("token"), now);
    if (!claims) return badToken(c);
    const scope = (claims.x ?? "alerts") as UnsubscribeScope;
    if (scope === "signup") {
      // a sign-up confirmation: the subject is the address (there may be no account), which gets
      // no further confirmation emails from anyone (sign-ups and added channels alike)
      await optOutOfConfirmations(database.db, claims.s, now);
      return page(c, "Unsubscribed", html`<p>This address will get no more clausewatch confirmation emails.</p>`);
    }
    const channelId = channelOf(scope);
    if (channelId) {
      // Only this address's channel stops; the account owner's other messages are not the
      // recipient's to switch off.
      await database.db.transaction(async (tx) => {
        const [ch] = await tx
          .update(channels)
          .set({ status: "disabled", statusReason: "unsubscribed", updatedAt: now })
          .where(and(eq(channels.id, channelId), eq(channels.userId, claims.s)))
          .returning({ target: channels.target, type: channels.type });
        // and no account may send this address another confirmation email
        if (ch?.type === "email") await optOutOfConfirmations(tx, ch.target, now);
      });
      return page(c, "Unsubscribed", html`<p>This address will no longer receive clausewatch email.</p>`);
    }
    const set =
      scope === "alerts"
        ? { alertsOff: true }
        : scope === "digests"
          ? { digestsOff: true }
          : { alertsOff: true, digestsOff: true };
    await database.db
      .update(users)
      .set({ ...set, updatedAt: now })
      .where(eq(users.id, claims.s));
    return page(c, "Unsubscribed", html`<p>You will no longer receive ${describe(scope)}.</p>`);
  });
