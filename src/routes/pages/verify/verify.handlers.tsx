/** @jsxImportSource hono/jsx */
import type { Context } from "hono";
import type { AppEnv } from "../../../middleware/context";
import { type ConfirmationProblem, channelToConfirm, confirmEmailChannel } from "../../../services/channels";
import type { AppRouteHandler } from "../../common";
import { messagePage } from "../layout";
import type * as routes from "./verify.routes";

const WHY: Record<ConfirmationProblem, string> = {
  bad_link: "This confirmation link is damaged or has expired (links last 7 days).",
  removed: "This address was removed from its clausewatch account after the link was sent.",
};

const badLink = (c: Context<AppEnv>, problem: ConfirmationProblem) =>
  messagePage(
    c,
    "This link does not work",
    <>
      <p>{WHY[problem]}</p>
      <p>
        To try again, remove the address on your preference page and add it once more: a new confirmation email is sent at once.
      </p>
    </>,
    400,
  );

export const show: AppRouteHandler<typeof routes.show> = async (c) => {
  const { keys, clock, database } = c.get("deps");
  const { token } = c.req.valid("param");
  const found = await channelToConfirm(database.db, keys, token, clock.now());
  if (!("channel" in found)) return badLink(c, found.problem);
  const ch = found.channel;
  if (ch.verifiedAt) {
    return messagePage(c, "Already confirmed", <p>{`${ch.target} is confirmed; nothing more to do.`}</p>);
  }
  return messagePage(
    c,
    "Confirm your address",
    <>
      <p>{`Should ${ch.target} receive clausewatch alerts and digests for the account that added it?`}</p>
      <form method="post" action={`/verify-email/${encodeURIComponent(token)}`}>
        <button type="submit">Confirm this address</button>
      </form>
      <p class="muted">If you did not expect this, close the page: nothing will be sent to this address.</p>
    </>,
  );
};

export const confirm: AppRouteHandler<typeof routes.confirm> = async (c) => {
  const { keys, clock, database } = c.get("deps");
  const found = await confirmEmailChannel(database.db, keys, c.req.valid("param").token, clock.now());
  if (!("channel" in found)) return badLink(c, found.problem);
  const row = found.channel;
  const note =
    row.status === "active"
      ? "Alerts and digests will arrive here from now on."
      : "It is switched off on the account at the moment; once it is turned on, messages arrive here.";
  return messagePage(c, "Address confirmed", <p>{`${row.target} is confirmed. ${note}`}</p>);
};
