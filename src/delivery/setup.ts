import { join } from "node:path";
import { createOutboxDirChannel, createResendChannel } from "./channels/email";
import { createSlackChannel } from "./channels/slack";
import { createWebhookChannel } from "./channels/webhook";
import { createEmailRenderer } from "./render/email";
import { renderSlack } from "./render/slack";
import { renderWebhook } from "./render/webhook";
import type { Channels } from "./types";

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
  const renderEmail = createEmailRenderer({ publicUrl: c.publicUrl });
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
