import { receiveResendWebhook } from "../../services/suppressions";
import type { AppRouteHandler } from "../common";
import type * as routes from "./providers.routes";

export const resend: AppRouteHandler<typeof routes.resend> = async (c) => {
  const { config, database, clock, log } = c.get("deps");
  const headers = {
    "svix-id": c.req.header("svix-id") ?? "",
    "svix-timestamp": c.req.header("svix-timestamp") ?? "",
    "svix-signature": c.req.header("svix-signature") ?? "",
  };
  const { reason, suppressed } = await receiveResendWebhook(
    database.db,
    config.resendWebhookSecret,
    { body: () => c.req.text(), headers },
    clock.now(),
  );
  if (reason) log.warn("email address suppressed", { reason, count: suppressed });
  return c.json({ received: true, suppressed }, 200);
};
