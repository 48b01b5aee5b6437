import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSlackChannel } from "../../src/delivery/channels/slack";
import type { OutboundMessage, RenderSlack } from "../../src/delivery/types";
import { type FakeSlack, startFakeSlack } from "../fakes/slack";

const TOKEN = "xoxb-1111-2222-abcdefabcdef";
let seq = 0;

function message(over: { channel?: string; token?: string | null } = {}): OutboundMessage {
  seq++;
  return {
    id: `ntf_slack_${seq}`,
    kind: "alert",
    createdAt: new Date("2026-05-09T14:35:38Z"),
    attempt: 1,
    user: { id: "usr_1", email: "owner@example.com", tier: "professional", timezone: "UTC" },
    channel: {
      id: "chn_slack",
      type: "slack",
      target: over.channel ?? "C0ALERTS",
      secret: over.token === null ? null : { bot_token: over.token ?? TOKEN },
    },
    content: { kind: "test" },
    links: { manage: "http://cw.test/preferences?token=t", unsubscribe: "http://cw.test/unsubscribe/u" },
  };
}

const render: RenderSlack = (msg) => ({
  text: `[High] Anthropic · Claude.ai Terms of Service changed (${msg.id})`,
  blocks: [
    { type: "header", text: { type: "plain_text", text: "Claude.ai Terms of Service changed" } },
    { type: "section", text: { type: "mrkdwn", text: `*High* — ${msg.id}` } },
  ],
});

let fake: FakeSlack;
beforeAll(async () => {
  fake = await startFakeSlack({ tokens: [TOKEN], channels: ["C0ALERTS", "C0OTHER", "C0PACED", "C0PACED2", "C0SKIP"] });
});
afterAll(() => fake.close());

// spacing is tested on its own below; elsewhere it would only slow the suite down
const channel = (over: Partial<Parameters<typeof createSlackChannel>[0]> = {}) =>
  createSlackChannel({ apiUrl: fake.apiUrl, render, minIntervalMs: 0, ...over });

const callsFor = (id: string) => fake.requests.filter((r) => String(r.params.text ?? "").includes(`(${id})`));

describe("Slack channel (real @slack/web-api against the local Slack)", () => {
  it("posts text and Block Kit with the bot token and reports the message ts", async () => {
    const msg = message();
    const result = await channel().send(msg);

    const [call] = callsFor(msg.id);
    expect(call.method).toBe("chat.postMessage");
    expect(call.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // the SDK sends a form with blocks as a JSON string; the fake parsed it back
    expect(call.headers["content-type"]).toContain("application/x-www-form-urlencoded");
    expect(new URLSearchParams(call.raw).get("blocks")).toBe(JSON.stringify(render(msg).blocks));
    expect(call.params).toMatchObject({ channel: "C0ALERTS", text: render(msg).text, blocks: render(msg).blocks });
    const posted = fake.messages.find((m) => m.text === render(msg).text);
    expect(result).toEqual({ kind: "sent", providerId: posted?.ts });
  });

  it("500 then 200: retry, then sent", async () => {
    const ch = channel();
    const msg = message();
    fake.script({ status: 500 });
    const first = await ch.send(msg);
    const second = await ch.send(msg);
    expect(first).toMatchObject({ kind: "retry", reason: "Slack HTTP 500" });
    expect(second.kind).toBe("sent");
    expect(callsFor(msg.id)).toHaveLength(2);
  });

  it("429 with Retry-After: retry after that many seconds; the SDK does not retry by itself", async () => {
    const msg = message();
    fake.script({ status: 429, retryAfter: 3 });
    const result = await channel().send(msg);
    expect(result).toMatchObject({ kind: "retry", afterMs: 3000 });
    expect(callsFor(msg.id)).toHaveLength(1);
  });

  it("after a 429 the channel's next message waits (or is deferred past maxPacingWaitMs)", async () => {
    const ch = channel({ maxPacingWaitMs: 500 });
    fake.script({ status: 429, retryAfter: 2 });
    expect(await ch.send(message({ channel: "C0OTHER" }))).toMatchObject({ kind: "retry", afterMs: 2000 });
    const next = message({ channel: "C0OTHER" });
    const deferred = await ch.send(next);
    expect(deferred.kind).toBe("retry");
    expect(deferred.kind === "retry" && deferred.afterMs).toBeGreaterThan(1500);
    expect(callsFor(next.id)).toHaveLength(0);
    // another channel is not held back
    expect((await ch.send(message({ channel: "C0ALERTS" }))).kind).toBe("sent");
  });

  it("channel_not_found is permanent and disables the channel", async () => {
    const result = await channel().send(message({ channel: "C0GONE" }));
    expect(result).toEqual({
      kind: "permanent",
      reason: "Slack channel_not_found",
      disableChannel: true,
      response: "channel_not_found",
    });
  });

  it("a revoked or wrong token (invalid_auth) disables the channel", async () => {
    const result = await channel().send(message({ token: "xoxb-9999-revoked" }));
    expect(result).toMatchObject({ kind: "permanent", disableChannel: true, reason: "Slack invalid_auth" });
  });

  it.each(["is_archived", "not_in_channel", "token_revoked", "missing_scope", "account_inactive", "no_permission"])(
    "%s disables the channel",
    async (error) => {
      fake.script({ error });
      expect(await channel().send(message())).toMatchObject({ kind: "permanent", disableChannel: true });
    },
  );

  it("an error about this message (too many blocks) is permanent but keeps the channel", async () => {
    const tooMany: RenderSlack = (msg) => ({
      text: render(msg).text,
      blocks: Array.from({ length: 51 }, (_, i) => ({ type: "section", text: { type: "mrkdwn", text: `${i}` } })),
    });
    const result = await channel({ render: tooMany }).send(message());
    expect(result).toEqual({ kind: "permanent", reason: "Slack invalid_blocks", response: "invalid_blocks" });
  });

  it.each(["internal_error", "service_unavailable", "request_timeout", "fatal_error"])("%s is retried", async (error) => {
    fake.script({ error });
    expect(await channel().send(message())).toMatchObject({ kind: "retry", reason: `Slack ${error}` });
  });

  it("a Slack API slower than timeoutMs is retried", async () => {
    fake.script({ delayMs: 1500 });
    const start = Date.now();
    const result = await channel({ timeoutMs: 150 }).send(message());
    expect(result.kind).toBe("retry");
    expect(result.kind === "retry" && result.reason).toContain("unreachable");
    expect(Date.now() - start).toBeLessThan(1200);
  });

  it("Slack unreachable (nothing listening) is retried", async () => {
    const gone = await startFakeSlack();
    await gone.close();
    const result = await createSlackChannel({ apiUrl: gone.apiUrl, render }).send(message());
    expect(result).toMatchObject({ kind: "retry" });
  });

  it("a channel without a bot token is permanent and disabled, without calling Slack", async () => {
    const before = fake.requests.length;
    expect(await channel().send(message({ token: null }))).toMatchObject({ kind: "permanent", disableChannel: true });
    expect(fake.requests.length).toBe(before);
  });
});

describe("Slack pacing (≤ 1 message per interval per channel)", () => {
  it("spaces messages to one channel, not to different channels", async () => {
    const ch = createSlackChannel({ apiUrl: fake.apiUrl, render, minIntervalMs: 500 });
    const a1 = message({ channel: "C0PACED" });
    const a2 = message({ channel: "C0PACED" });
    const b1 = message({ channel: "C0PACED2" });
    const results = await Promise.all([ch.send(a1), ch.send(a2), ch.send(b1)]);
    expect(results.map((r) => r.kind)).toEqual(["sent", "sent", "sent"]);
    const at = (id: string) => callsFor(id)[0].at;
    expect(at(a2.id) - at(a1.id)).toBeGreaterThanOrEqual(480);
    expect(Math.abs(at(b1.id) - at(a1.id))).toBeLessThan(300);
  });

  it("answers retry instead of waiting longer than maxPacingWaitMs", async () => {
    const ch = createSlackChannel({ apiUrl: fake.apiUrl, render, minIntervalMs: 1000, maxPacingWaitMs: 200 });
    expect((await ch.send(message({ channel: "C0SKIP" }))).kind).toBe("sent");
    const second = message({ channel: "C0SKIP" });
    const result = await ch.send(second);
    expect(result.kind).toBe("retry");
    expect(result.kind === "retry" && result.afterMs).toBeGreaterThan(700);
    expect(callsFor(second.id)).toHaveLength(0);
  });
});
