/** @jsxImportSource hono/jsx */

import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { confirmChannel } from "../db/queries/channels";
import { channels } from "../db/schema";
import { verifyToken } from "../lib/tokens";
import type { AppEnv } from "../middleware/context";
import { noAuth } from "./common";
import { messagePage, pageError } from "./pages/layout";

/**
 * Double opt-in for extra email addresses. The link in the confirmation email opens a page whose
 * button confirms: mail scanners and link previews follow links (GET), so GET changes nothing.
 * The signed token (purpose `verify-email`, subject the channel, 7 days) is the only credential,
 * so the POST needs no cookie.
 */
async function pendingChannel(c: Context<AppEnv>) {
  const { keys, clock, database } = c.get("deps");
  const claims = await verifyToken(keys, "verify-email", c.req.param("token") ?? "", clock.now());
  if (!claims) return { error: "This confirmation link is damaged or has expired (links last 7 days)." };
  const [ch] = await database.db
    .select()
    .from(channels)
    .where(and(eq(channels.id, claims.s), eq(channels.type, "email"), isNull(channels.deletedAt)))
    .limit(1);
  if (!ch) return { error: "This address was removed from its clausewatch account after the link was sent." };
  return { channel: ch };
}

const badLink = (c: Context<AppEnv>, why: string) =>
  messagePage(
    c,
    "This link does not work",
    <>
      <p>{why}</p>
      <p>
        To try again, remove the address on your preference page and add it once more: a new confirmation email is sent at once.
      </p>
    </>,
    400,
  );

export const verifyRoutes = new OpenAPIHono<AppEnv>();

verifyRoutes
  .get("/verify-email/:token", async (c) => {
    const found = await pendingChannel(c);
    if (!found.channel) return badLink(c, found.error);
    const ch = found.channel;
    if (ch.verifiedAt) {
      return messagePage(c, "Already confirmed", <p>{`${ch.target} is confirmed; nothing more to do.`}</p>);
    }
    return messagePage(
      c,
      "Confirm your address",
      <>
        <p>{`Should ${ch.target} receive clausewatch alerts and digests for the account that added it?`}</p>
        <form method="post" action={`/verify-email/${encodeURIComponent(c.req.param("token"))}`}>
          <button type="submit">Confirm this address</button>
        </form>
        <p class="muted">If you did not expect this, close the page: nothing will be sent to this address.</p>
      </>,
    );
  })
  .post("/verify-email/:token", async (c) => {
    const found = await pendingChannel(c);
    if (!found.channel) return badLink(c, found.error);
    const row = await confirmChannel(c.get("deps").database.db, found.channel.id, c.get("deps").clock.now());
    if (!row) return badLink(c, "This address was removed from its clausewatch account after the link was sent.");
    const note =
      row.status === "active"
        ? "Alerts and digests will arrive here from now on."
        : "It is switched off on the account at the moment; once it is turned on, messages arrive here.";
    return messagePage(c, "Address confirmed", <p>{`${row.target} is confirmed. ${note}`}</p>);
  });

verifyRoutes.onError(pageError);

const html = { description: "An HTML page", content: { "text/html": { schema: { type: "string" as const } } } };
const tokenParam = z.object({ token: z.string().openapi({ param: { name: "token", in: "path" } }) });
verifyRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/verify-email/{token}",
  operationId: "showEmailConfirmationPage",
  security: noAuth,
  tags: ["pages"],
  summary: "The confirmation link of an added email address: shows a confirm button; never confirms",
  request: { params: tokenParam },
  responses: { 200: html, 400: html },
});
verifyRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/verify-email/{token}",
  operationId: "confirmEmail",
  security: noAuth,
  tags: ["pages"],
  summary: "Confirms the address (pending_verification → active); no cookie needed",
  request: { params: tokenParam },
  responses: { 200: html, 400: html },
});
