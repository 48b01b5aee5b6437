import { createDispatcher, type Dispatcher } from "../../src/delivery/dispatcher";
import { createMetrics, type Metrics } from "../../src/delivery/metrics";
import { createChannels } from "../../src/delivery/setup";
import type { Channels } from "../../src/delivery/types";
import type { Keys } from "../../src/lib/crypto";
import { type FakeResend, startFakeResend } from "../fakes/resend";
import { type FakeSlack, type FakeSlackOptions, startFakeSlack } from "../fakes/slack";
import { type FakeWebhookReceiver, startWebhookReceiver } from "../fakes/webhook-receiver";
import type { TestContext } from "./app";

export interface Providers {
  resend: FakeResend;
  slack: FakeSlack;
  receiver: FakeWebhookReceiver;
  close(): Promise<void>;
}

/**
 * Local servers speaking Resend's, Slack's and a webhook receiver's HTTP, for the real SDKs.
 * `slack` configures the fake Slack (e.g. its OAuth client and codes).
 */
export async function startProviders(opts: { slack?: FakeSlackOptions } = {}): Promise<Providers> {
  const [resend, slack, receiver] = await Promise.all([
    startFakeResend({ ratePerSecond: 1000 }),
    startFakeSlack(opts.slack),
    startWebhookReceiver(),
  ]);
  return {
    resend,
    slack,
    receiver,
    close: async () => {
      await Promise.all([resend.close(), slack.close(), receiver.close()]);
    },
  };
}

export interface Delivery {
  dispatcher: Dispatcher;
  channels: Channels;
  metrics: Metrics;
}

/**
 * The production channels (Resend SDK, Slack SDK, signed webhooks) pointed at the fakes, and a
 * dispatcher on the test clock with a fixed jitter, so retry times are exact. `keys` replaces the
 * app's keys (e.g. to count decrypts); `batchSize` and `leaseMs` are the dispatcher's.
 */
export function createDelivery(
  ctx: TestContext,
  p: Providers,
  over: { leaseMs?: number; batchSize?: number; keys?: Keys } = {},
): Delivery {
  const metrics = ctx.deps.metrics ?? createMetrics();
  const channels = createChannels({
    publicUrl: ctx.deps.config.publicUrl,
    dataDir: "/nonexistent",
    emailFrom: "clausewatch <alerts@clausewatch.test>",
    resendApiKey: "re_test_key",
    resendBaseUrl: p.resend.url,
    resendRatePerSecond: 1000,
    slackApiUrl: p.slack.apiUrl,
    allowPrivateWebhookTargets: true,
  });
  const dispatcher = createDispatcher({
    database: ctx.database,
    channels,
    keys: over.keys ?? ctx.deps.keys,
    clock: ctx.clock,
    log: ctx.deps.log,
    metrics,
    publicUrl: ctx.deps.config.publicUrl,
    random: () => 0.5,
    leaseMs: over.leaseMs,
    batchSize: over.batchSize,
  });
  return { dispatcher, channels, metrics };
}
