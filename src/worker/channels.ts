import { createResendChannel } from "../delivery/channels/email";
import { createSlackFetchChannel } from "../delivery/channels/slack-fetch";
import { createWebhookChannel } from "../delivery/channels/webhook";
import { fetchGuardedRequest } from "../delivery/fetch-request";
import { createEmailRenderer } from "../delivery/render/email";
import { renderSlack } from "../delivery/render/slack";
import { renderWebhook } from "../delivery/render/webhook";
import type { Channel, Channels } from "../delivery/types";
import type { Env } from "../env";

/**
 * Without RESEND_API_KEY the Node service writes emails to DATA_DIR/outbox/; a Worker has no
 * files, so its emails wait (held: nothing fails, no attempt is spent) until the key is set.
 */
const noEmailProvider: Channel = {
  send: async () => ({ kind: "held", reason: "no RESEND_API_KEY: the Worker has no outbox directory to write emails to" }),
};

/**
 * The Worker's providers: Resend's SDK (fetch-based) as on Node, Slack over a fetch client of
 * `chat.postMessage`, webhooks over `fetch` with the literal-address SSRF guard. Built per batch,
 * so pacing (Resend's rate, Slack's 1 message/s per channel) holds within a batch.
 */
export function workerChannels(env: Env, publicUrl: string): Channels {
  return {
    email: env.RESEND_API_KEY
      ? createResendChannel({
          apiKey: env.RESEND_API_KEY,
          baseUrl: env.RESEND_BASE_URL,
          from: env.EMAIL_FROM,
          render: createEmailRenderer({ publicUrl }),
          ratePerSecond: env.RESEND_RATE_PER_SECOND,
        })
      : noEmailProvider,
    slack: createSlackFetchChannel({ apiUrl: env.SLACK_API_URL, render: renderSlack }),
    webhook: createWebhookChannel({
      allowPrivate: env.ALLOW_PRIVATE_WEBHOOK_TARGETS,
      render: renderWebhook,
      request: fetchGuardedRequest,
    }),
  };
}
