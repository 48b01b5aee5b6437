import { join } from "node:path";
import type { Logger } from "../lib/log";
import { createOutboxDirChannel, createResendChannel } from "./channels/email";
import { createSlackChannel } from "./channels/slack";
import { createWebhookChannel } from "./channels/webhook";
import { renderSlack } from "./render/slack";
import { RenderUnavailableError } from "./render/unavailable";
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

/**
 * The same on `threads` worker threads (render/pool.ts), loaded and started on the first email
 * too; `close` ends the threads (nothing to end if no email was rendered).
 */
function lazyPooledEmailRenderer(publicUrl: string, threads: number, log?: Logger): RenderEmail & { close(): Promise<void> } {
  let loaded: Promise<RenderEmail & { close(): Promise<void> }> | null = null;
  let closed = false;
  const render: RenderEmail = async (msg) => {
    if (closed) throw new RenderUnavailableError("email render pool is closed");
    loaded ??= import("./render/pool").then((m) => m.createPooledEmailRenderer({ publicUrl, threads, log }));
    return (await loaded)(msg);
  };
  return Object.assign(render, {
    async close() {
      closed = true;
      if (loaded) await (await loaded).close();
    },
  });
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
  /** worker threads rendering emails (RENDER_THREADS); 0 or unset: in this thread */
  renderThreads?: number;
  /** where a lost render thread is reported */
  log?: Logger;
}

/**
 * The providers, chosen once at start-up: with RESEND_API_KEY emails go to Resend, without it
 * they are written to DATA_DIR/outbox/ (no `if` inside a provider decides that).
 */
export function createChannels(
  c: ChannelConfig,
): Channels & { emailMode: "resend" | "outbox"; renderThreads: number; close(): Promise<void> } {
  const renderThreads = c.renderThreads ?? 0;
  const pooled = renderThreads > 0 ? lazyPooledEmailRenderer(c.publicUrl, renderThreads, c.log) : null;
  const renderEmail = pooled ?? lazyEmailRenderer(c.publicUrl);
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
    renderThreads,
    /** ends the render threads, if any: after the dispatcher stopped (renders after it fail as retryable) */
    close: async () => {
      await pooled?.close();
    },
    email,
    slack: createSlackChannel({ apiUrl: c.slackApiUrl, render: renderSlack }),
    webhook: createWebhookChannel({
      allowPrivate: c.allowPrivateWebhookTargets,
      render: renderWebhook,
      resolve: c.resolveHost,
    }),
  };
}
