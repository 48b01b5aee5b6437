import { createResendChannel } from "../delivery/channels/email";
import { createSlackFetchChannel } from "../delivery/channels/slack-fetch";
import { createWebhookChannel } from "../delivery/channels/webhook";
import { fetchGuardedRequest } from "../delivery/fetch-request";
import { createEmailRenderer } from "../delivery/render/email";
import { renderSlack } from "../delivery/render/slack";
import { renderWebhook } from "../delivery/render/webhook";
import type { Channel, Channels } from "../delivery/types";
import type { Env } from "../env";
import type { Logger } from "../lib/log";

/** Why a Worker's emails wait without RESEND_API_KEY (the `held: …` last_error of each one). */
export const NO_EMAIL_PROVIDER = "no RESEND_API_KEY: the Worker has no outbox directory to write emails to";

/**
 * Without RESEND_API_KEY the Node service writes emails to DATA_DIR/outbox/; a Worker has no
 * files, so its emails wait (held: nothing fails, no attempt is spent) until the key is set. That
 * is configuration, not a provider refusing our credentials: it says so once per batch, as a
 * warning (batchDispatcher marks email held from the start, so the dispatcher's "the provider
 * refuses our credentials" error is not logged for it).
 */
function noEmailProvider(log: Logger): Channel {
  let told = false;
  return {
    send: async () => {
      if (!told) {
        told = true;
        log.warn("email is not configured: emails wait (held, no attempt spent) until RESEND_API_KEY is set", {
          reason: NO_EMAIL_PROVIDER,
        });
      }
      return { kind: "held", reason: NO_EMAIL_PROVIDER };
    },
  };
}

/**
 * The Worker's providers: Resend's SDK (fetch-based) as on Node, Slack over a fetch client of
 * `chat.postMessage`, webhooks over `fetch` with the literal-address SSRF guard. Built per batch,
 * so pacing (Resend's rate, Slack's 1 message/s per channel) holds within a batch.
 */
export function workerChannels(env: Env, publicUrl: string, log: Logger): Channels {
  return {
    email: env.RESEND_API_KEY
      ? createResendChannel({
          apiKey: env.RESEND_API_KEY,
          baseUrl: env.RESEND_BASE_URL,
          from: env.EMAIL_FROM,
          render: createEmailRenderer({ publicUrl }),
          ratePerSecond: env.RESEND_RATE_PER_SECOND,
        })
      : noEmailProvider(log),
    slack: createSlackFetchChannel({ apiUrl: env.SLACK_API_URL, render: renderSlack }),
    webhook: createWebhookChannel({
      allowPrivate: env.ALLOW_PRIVATE_WEBHOOK_TARGETS,
      render: renderWebhook,
      request: fetchGuardedRequest,
    }),
  };
}
