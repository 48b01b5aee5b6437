import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhookChannel } from "../../src/delivery/channels/webhook";
import type { OutboundMessage, RenderWebhook } from "../../src/delivery/types";
import { newSigningSecret } from "../../src/lib/channel-secrets";
import { type FakeWebhookReceiver, startWebhookReceiver, verifyWebhook } from "../fakes/webhook-receiver";

const SECRET = newSigningSecret();
let seq = 0;

function message(url: string, secret = SECRET): OutboundMessage {
  seq++;
  return {
    id: `ntf_hook_${seq}`,
    kind: "test",
    createdAt: new Date("2026-05-09T14:35:38Z"),
    attempt: 1,
    user: { id: "usr_1", email: "owner@example.com", tier: "watcher", timezone: "UTC" },
    channel: { id: "chn_hook", type: "webhook", target: url, secret: { url, signing_secret: secret } },
    content: { kind: "test" },
    links: { manage: "http://cw.test/preferences?token=t", unsubscribe: "http://cw.test/unsubscribe/u" },
  };
}

const render: RenderWebhook = (msg) => ({
  type: "test",
  id: msg.id,
  created_at: msg.createdAt.toISOString(),
  data: { message: "This is a test from clausewatch — ✓" },
});

let receiver: FakeWebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());

// the receiver listens on 127.0.0.1: these tests allow private targets (the SSRF guard has its own tests)
const channel = (over: Partial<Parameters<typeof createWebhookChannel>[0]> = {}) =>
  createWebhookChannel({ allowPrivate: true, render, ...over });
const hitsFor = (id: string) => receiver.requests.filter((r) => r.headers["webhook-id"] === id);

describe("webhook channel (signed POST to a local receiver)", () => {
  it("POSTs the JSON body with Standard Webhooks headers that verify on the receiver", async () => {
    const msg = message(`${receiver.url}/hooks/clausewatch?src=cw`);
    const result = await channel().send(msg);

    expect(result).toEqual({ kind: "sent", response: "ok" });
    const [req] = hitsFor(msg.id);
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/hooks/clausewatch");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["user-agent"]).toMatch(/^clausewatch/);
    expect(req.headers["webhook-id"]).toBe(msg.id);
    expect(Math.abs(Number(req.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(5);
    expect(verifyWebhook(req, SECRET)).toEqual(render(msg));
    expect(() => verifyWebhook(req, newSigningSecret())).toThrow(/signature/i);
  });

  it("500 then 200: retry, then sent; webhook-id is the same on both, each signature verifies", async () => {
    const ch = channel();
    const msg = message(`${receiver.url}/hooks/retry`);
    receiver.script({ status: 500, body: "oops" });
    const first = await ch.send(msg);
    const second = await ch.send({ ...msg, attempt: 2 });
    expect(first).toMatchObject({ kind: "retry", response: "oops" });
    expect(second.kind).toBe("sent");
    const hits = hitsFor(msg.id);
    expect(hits).toHaveLength(2);
    for (const h of hits) expect(verifyWebhook(h, SECRET)).toEqual(render(msg));
  });

  it("429 with Retry-After seconds → retry(afterMs)", async () => {
    receiver.script({ status: 429, headers: { "retry-after": "30" } });
    expect(await channel().send(message(`${receiver.url}/h`))).toMatchObject({ kind: "retry", afterMs: 30_000 });
  });

  it("503 with a Retry-After HTTP-date → retry(afterMs) until that date", async () => {
    const now = new Date("2026-05-09T14:00:00Z");
    receiver.script({ status: 503, headers: { "retry-after": "Sat, 09 May 2026 14:02:00 GMT" } });
    const result = await channel({ now: () => now }).send(message(`${receiver.url}/h`));
    expect(result).toMatchObject({ kind: "retry", afterMs: 120_000 });
  });

  it("a receiver that hangs past timeoutMs → retry", async () => {
    receiver.script({ hang: true });
    const start = Date.now();
    const result = await channel({ timeoutMs: 200 }).send(message(`${receiver.url}/slow`));
    expect(result).toMatchObject({ kind: "retry" });
    expect(result.kind === "retry" && result.reason).toContain("timed out");
    const elapsed = Date.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1500);
  });

  it.each([301, 302, 307, 308])("%i → retry, and the redirect target is never requested", async (status) => {
    const target = `/moved-${status}`;
    receiver.script({ status, redirectTo: target });
    const result = await channel().send(message(`${receiver.url}/old`));
    expect(result).toMatchObject({ kind: "retry" });
    expect(result.kind === "retry" && result.reason).toContain("not followed");
    await new Promise((r) => setTimeout(r, 50));
    expect(receiver.hits(target)).toHaveLength(0);
  });

  it("410 Gone → permanent and the channel is disabled", async () => {
    receiver.script({ status: 410, body: "endpoint removed" });
    expect(await channel().send(message(`${receiver.url}/h`))).toEqual({
      kind: "permanent",
      reason: "webhook receiver answered 410 Gone",
      disableChannel: true,
      response: "endpoint removed",
    });
  });

  it.each([400, 401, 403, 404, 413, 422])("%i → permanent, channel kept", async (status) => {
    receiver.script({ status });
    const result = await channel().send(message(`${receiver.url}/h`));
    expect(result).toMatchObject({ kind: "permanent" });
    expect(result.kind === "permanent" && result.disableChannel).toBeFalsy();
  });

  it.each([408, 409, 425, 429, 500, 502, 503, 504])("%i → retry", async (status) => {
    receiver.script({ status });
    expect(await channel().send(message(`${receiver.url}/h`))).toMatchObject({ kind: "retry" });
  });

  it("keeps only about 1 KiB of the response body", async () => {
    receiver.script({ status: 200, body: "x".repeat(200_000) });
    const result = await channel().send(message(`${receiver.url}/h`));
    expect(result.kind).toBe("sent");
    expect(result.kind === "sent" && result.response?.length).toBe(1024);
  });

  it("connection refused → retry", async () => {
    const gone = await startWebhookReceiver();
    await gone.close();
    const result = await channel().send(message(`${gone.url}/h`));
    expect(result).toMatchObject({ kind: "retry" });
    expect(result.kind === "retry" && result.reason).toContain("ECONNREFUSED");
  });

  it("an unusable signing secret → permanent, nothing sent", async () => {
    const before = receiver.requests.length;
    const result = await channel().send(message(`${receiver.url}/h`, "whsec_"));
    expect(result.kind).toBe("permanent");
    expect(receiver.requests.length).toBe(before);
  });

  it("keeps at most maxInFlightPerHost requests in flight per host", async () => {
    const run = async (limit: number) => {
      receiver.script(...Array.from({ length: 4 }, () => ({ delayMs: 400 })));
      const ch = channel({ maxInFlightPerHost: limit });
      const msgs = Array.from({ length: 4 }, () => message(`${receiver.url}/burst`));
      const results = await Promise.all(msgs.map((m) => ch.send(m)));
      expect(results.every((r) => r.kind === "sent")).toBe(true);
      const arrivals = msgs.map((m) => hitsFor(m.id)[0].at).sort((a, b) => a - b);
      return arrivals.map((t) => t - arrivals[0]);
    };
    const two = await run(2);
    expect(two[1]).toBeLessThan(250);
    expect(two[2]).toBeGreaterThanOrEqual(350);
    // control: with room for four they all arrive together
    const four = await run(4);
    expect(four[3]).toBeLessThan(250);
  });
});
