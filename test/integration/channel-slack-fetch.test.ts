import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSlackChannel } from "../../src/delivery/channels/slack";
import { createSlackFetchChannel } from "../../src/delivery/channels/slack-fetch";
import type { OutboundMessage, RenderSlack, SendResult } from "../../src/delivery/types";
import { type FakeSlack, type ScriptedSlackAnswer, startFakeSlack } from "../fakes/slack";

/**
 * The Worker's Slack channel (a fetch client of chat.postMessage) against the same local Slack as
 * the SDK channel: the same request on the wire and, answer by answer, the same SendResult.
 */
const TOKEN = "xoxb-3333-4444-abcdefabcdef";
let seq = 0;

function message(over: { token?: string } = {}): OutboundMessage {
  seq++;
  return {
    id: `ntf_slack_fetch_${seq}`,
    kind: "alert",
    createdAt: new Date("2026-05-09T14:35:38Z"),
    attempt: 1,
    user: { id: "usr_1", email: "owner@example.com", tier: "professional", timezone: "UTC" },
    channel: { id: "chn_slack", type: "slack", target: "C0ALERTS", secret: { bot_token: over.token ?? TOKEN } },
    content: { kind: "test" },
    links: { manage: "http://cw.test/preferences?token=t", unsubscribe: "http://cw.test/unsubscribe/u" },
  };
}

const render: RenderSlack = (msg) => ({
  text: `[High] Anthropic · Claude.ai Terms of Service changed (${msg.id})`,
  blocks: [{ type: "section", text: { type: "mrkdwn", text: `*High* — ${msg.id}` } }],
});

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack({ tokens: [TOKEN], channels: ["C0ALERTS"] });
});
afterAll(() => fake.close());

const sdk = () => createSlackChannel({ apiUrl: fake.apiUrl, render, minIntervalMs: 0, timeoutMs: 1000 });
const viaFetch = () => createSlackFetchChannel({ apiUrl: fake.apiUrl, render, minIntervalMs: 0, timeoutMs: 1000 });

describe("Slack over fetch (the Worker's channel)", () => {
  it("sends the request the SDK sends: bearer token, form-encoded, blocks as a JSON string", async () => {
    const msg = message();
    const result = await viaFetch().send(msg);
    const call = fake.requests.find((r) => String(r.params.text ?? "").includes(`(${msg.id})`));
    expect(call?.method).toBe("chat.postMessage");
    expect(call?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(call?.headers["content-type"]).toContain("application/x-www-form-urlencoded");
    expect(new URLSearchParams(call?.raw).get("blocks")).toBe(JSON.stringify(render(msg).blocks));
    const posted = fake.messages.find((m) => m.text === render(msg).text);
    expect(result).toEqual({ kind: "sent", providerId: posted?.ts });
  });

  const cases: [string, ScriptedSlackAnswer | null, Partial<SendResult>][] = [
    ["HTTP 500", { status: 500 }, { kind: "retry", reason: "Slack HTTP 500" }],
    ["429 with Retry-After", { status: 429, retryAfter: 3 }, { kind: "retry", afterMs: 3000 }],
    [
      "channel_not_found",
      { error: "channel_not_found" },
      { kind: "permanent", disableChannel: true, reason: "Slack channel_not_found" },
    ],
    ["invalid_auth", { error: "invalid_auth" }, { kind: "permanent", disableChannel: true }],
    ["invalid_blocks", { error: "invalid_blocks" }, { kind: "permanent", reason: "Slack invalid_blocks" }],
    ["internal_error", { error: "internal_error" }, { kind: "retry", reason: "Slack internal_error" }],
    ["slower than the timeout", { delayMs: 1500 }, { kind: "retry" }],
  ];
  it.each(cases)("%s: the same outcome as the SDK channel", async (_name, answer, expected) => {
    const results: SendResult[] = [];
    for (const ch of [sdk(), viaFetch()]) {
      if (answer) fake.script(answer);
      results.push(await ch.send(message()));
    }
    const [fromSdk, fromFetch] = results;
    expect(fromFetch).toMatchObject(expected);
    expect(fromFetch.kind).toBe(fromSdk.kind);
    if (fromSdk.kind === "permanent" && fromFetch.kind === "permanent") {
      expect(fromFetch.reason).toBe(fromSdk.reason);
      expect(fromFetch.disableChannel).toBe(fromSdk.disableChannel);
    }
  });

  it("Slack unreachable is retried", async () => {
    const ch = createSlackFetchChannel({ apiUrl: "http://127.0.0.1:9/api/", render, minIntervalMs: 0 });
    expect(await ch.send(message())).toMatchObject({ kind: "retry", reason: expect.stringMatching(/^Slack unreachable/) });
  });
});
