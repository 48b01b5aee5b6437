import { join } from "node:path";
import { createOutboxDirChannel, createResendChannel } from "./channels/email";
import { createSlackChannel } from "./channels/slack";
import { createWebhookChannel } from "./channels/webhook";
import { renderSlack } from "./render/slack";
import { renderWebhook } from "./render/webhook";
import type { Channels, RenderEmail } from "./types";

/**
 * The email renderer, loaded on the first email: React and the React Email templates are the
 * largest imports of the service, and nothing needs them to start serving (`npm start`'s bundle
 * keeps them in a chunk of their own).
 */
function lazyEmailRenderer(publicUrl: string): RenderEmail {
  let loaded: Promise<RenderEmail> | null = null;
  return async (msg) => {
    loaded ??= import("./render/email").then((m) => m.createEmailRenderer({ publicUrl }));
    return (await loaded)(msg);
  };
}

export interface ChannelConfig {
  publicUrl: string;
  dataDir: string;
  emailFrom: string;
  resendApiKey?: string;
  resendBaseUrl?: string;
  resendRatePerSecond?: number;
  slackApiUrl?: string;
  allowPrivateWebhookTargets: boolean;
  resolveHost?: (host: string) => Promise<string[]>;
}

/**
 * The providers, chosen once at start-up: with RESEND_API_KEY emails go to Resend, without it
 * they are written to DATA_DIR/outbox/ (no `if` inside a provider decides that).
 */
export function createChannels(c: ChannelConfig): Channels & { emailMode: "resend" | "outbox" } {
  const renderEmail = lazyEmailRenderer(c.publicUrl);
  const email = c.resendApiKey
    ? createResendChannel({
        apiKey: c.resendApiKey,
        baseUrl: c.resendBaseUrl,
        from: c.emailFrom,
        render: renderEmail,
        ratePerSecond: c.resendRatePerSecond,
      })
    : createOutboxDirChannel({ dir: join(c.dataDir, "outbox"), from: c.emailFrom, render: renderEmail });
  return {
    emailMode: c.resendApiKey ? "resend" : "outbox",
    email,
    slack: createSlackChannel({ apiUrl: c.slackApiUrl, render: renderSlack }),
    webhook: createWebhookChannel({
      allowPrivate: c.allowPrivateWebhookTargets,
      render: renderWebhook,
      resolve: c.resolveHost,
    }),
  };
}
