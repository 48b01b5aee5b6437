import { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { optOutOfConfirmations } from "../db/queries/confirmations";
import { channels, users } from "../db/schema";
import type { UnsubscribeScope } from "../lib/links";
import { verifyToken } from "../lib/tokens";
import { createRouter, noAuth } from "./common";
import { escapeHtml, page } from "./pages";

const WHAT: Record<"alerts" | "digests" | "all", string> = {
  alerts: "same-day alerts",
  digests: "the weekly digest",
  all: "all clausewatch messages",
};
const channelOf = (scope: UnsubscribeScope) => (scope.startsWith("channel:") ? scope.slice("channel:".length) : null);
const describe = (scope: UnsubscribeScope) =>
  channelOf(scope) ? "clausewatch email at this address" : (WHAT[scope as keyof typeof WHAT] ?? WHAT.alerts);

const badToken = page(
  "This link is not valid",
  "<p>The unsubscribe link is damaged or has expired. Use the link in a newer message, or open your preferences from any clausewatch email.</p>",
);

/**
 * `GET` shows what the link would do and never changes anything (mail scanners follow links);
 * `POST` unsubscribes at once without cookies or CSRF tokens — RFC 8058 one-click, which mail
 * clients send as `List-Unsubscribe=One-Click`.
 */
export const unsubscribeRoutes = createRouter();
const html = { description: "An HTML page", content: { "text/html": { schema: { type: "string" as const } } } };
const tokenParam = z.object({ token: z.string().openapi({ param: { name: "token", in: "path" } }) });
unsubscribeRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/unsubscribe/{token}",
  operationId: "showUnsubscribePage",
  security: noAuth,
  tags: ["public"],
  summary: "Shows what the link would stop; never unsubscribes",
  request: { params: tokenParam },
  responses: { 200: html, 400: html },
});
unsubscribeRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/unsubscribe/{token}",
  operationId: "unsubscribe",
  security: noAuth,
  tags: ["public"],
  summary: "RFC 8058 one-click unsubscribe: at once, no cookie needed",
  request: { params: tokenParam },
  responses: { 200: html, 400: html },
});
unsubscribeRoutes
  .get("/unsubscribe/:token", async (c) => {
    const { keys, clock } = c.get("deps");
    const token = c.req.param("token");
    const claims = await verifyToken(keys, "unsubscribe", token, clock.now());
    if (!claims) return c.html(badToken, 400);
    const scope = (claims.x ?? "alerts") as UnsubscribeScope;
    return c.html(
      page(
        "Unsubscribe",
        `<p>Stop receiving ${escapeHtml(describe(scope))}?</p>
<form method="post" action="/unsubscribe/${encodeURIComponent(token)}"><button type="submit">Unsubscribe</button></form>`,
      ),
    );
  })
  .post("/unsubscribe/:token", async (c) => {
    const { keys, clock, database } = c.get("deps");
    const now = clock.now();
    const claims = await verifyToken(keys, "unsubscribe", c.req.param("token"), now);
    if (!claims) return c.html(badToken, 400);
    const scope = (claims.x ?? "alerts") as UnsubscribeScope;
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
      return c.html(page("Unsubscribed", `<p>This address will no longer receive clausewatch email.</p>`), 200);
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
    return c.html(page("Unsubscribed", `<p>You will no longer receive ${escapeHtml(describe(scope))}.</p>`), 200);
  });
