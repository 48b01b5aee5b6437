import type { LookupAddress } from "node:dns";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createWebhookChannel } from "../../src/delivery/channels/webhook";
import { guardedLookup } from "../../src/delivery/guarded-request";
import { checkWebhookUrl } from "../../src/delivery/ssrf";
import type { OutboundMessage, RenderWebhook } from "../../src/delivery/types";
import { type FakeWebhookReceiver, startWebhookReceiver } from "../fakes/webhook-receiver";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

function message(url: string): OutboundMessage {
  return {
    id: "ntf_ssrf",
    kind: "test",
    createdAt: new Date(),
    attempt: 1,
    user: { id: "usr_1", email: "owner@example.com", tier: "watcher", timezone: "UTC" },
    channel: { id: "chn_hook", type: "webhook", target: url, secret: { url, signing_secret: SECRET } },
    content: { kind: "test" },
    links: { manage: "http://cw.test/p", unsubscribe: "http://cw.test/u" },
  };
}

const render: RenderWebhook = (msg) => ({ type: "test", id: msg.id, created_at: msg.createdAt.toISOString(), data: {} });

let receiver: FakeWebhookReceiver;
let lookups: string[];
/** an injected resolver: every name below is made up, so only this can make it resolve */
const resolverTo =
  (...answers: string[][]) =>
  async (host: string) => {
    lookups.push(host);
    return answers[Math.min(lookups.length - 1, answers.length - 1)];
  };

beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());
beforeEach(() => {
  lookups = [];
  receiver.requests.length = 0;
});

describe("webhook SSRF guard (allowPrivate = false)", () => {
  const port = () => receiver.port;

  it.each([
    ["127.0.0.1", () => `http://127.0.0.1:${port()}/hook`],
    ["10.x", () => "http://10.1.2.3/hook"],
    ["cloud metadata 169.254.169.254", () => "http://169.254.169.254/latest/meta-data/"],
    ["[::1]", () => `http://[::1]:${port()}/hook`],
    ["[::ffff:127.0.0.1]", () => `http://[::ffff:127.0.0.1]:${port()}/hook`],
    ["0.0.0.0 (reaches localhost on Linux)", () => `http://0.0.0.0:${port()}/hook`],
    ["decimal 2130706433 (= 127.0.0.1)", () => `http://2130706433:${port()}/hook`],
    ["localhost", () => `http://localhost:${port()}/hook`],
    ["192.168.x over https", () => "https://192.168.1.10/hook"],
  ])("refuses %s without connecting", async (_, url) => {
    const ch = createWebhookChannel({ allowPrivate: false, render, resolve: resolverTo(["127.0.0.1"]), timeoutMs: 2000 });
    const start = Date.now();
    const result = await ch.send(message(url()));
    expect(result.kind).toBe("permanent");
    expect(result.kind === "permanent" && result.reason).toMatch(
      /^webhook target refused: .* is (a|the) .*; set ALLOW_PRIVATE_WEBHOOK_TARGETS=true to allow private, loopback and link-local targets$/,
    );
    expect(result.kind === "permanent" && result.disableChannel).toBeFalsy();
    // refused up front: no timeout, no DNS for literals, nothing received
    expect(Date.now() - start).toBeLessThan(500);
    expect(lookups).toEqual([]);
    expect(receiver.requests).toHaveLength(0);
  });

  it("refuses a host name whose resolver answers 127.0.0.1, inside the connection's lookup", async () => {
    const ch = createWebhookChannel({ allowPrivate: false, render, resolve: resolverTo(["127.0.0.1"]) });
    const result = await ch.send(message(`http://hooks.customer.test:${port()}/hook`));
    expect(result).toMatchObject({ kind: "permanent" });
    expect(result.kind === "permanent" && result.reason).toBe(
      "webhook target refused: host hooks.customer.test resolves to 127.0.0.1, a loopback address; " +
        "set ALLOW_PRIVATE_WEBHOOK_TARGETS=true to allow private, loopback and link-local targets",
    );
    expect(lookups).toEqual(["hooks.customer.test"]);
    expect(receiver.requests).toHaveLength(0);
  });

  it("refuses when any one of several answers is private", async () => {
    const ch = createWebhookChannel({ allowPrivate: false, render, resolve: resolverTo(["127.0.0.1", "203.0.114.7"]) });
    const result = await ch.send(message(`http://mixed.customer.test:${port()}/hook`));
    expect(result).toMatchObject({ kind: "permanent" });
    expect(receiver.requests).toHaveLength(0);
  });

  it("DNS rebinding: a name that was public when checked and is 127.0.0.1 at send time is refused", async () => {
    // first answer (at channel creation) public, every later one loopback
    const resolve = resolverTo(["203.0.114.7"], ["127.0.0.1"]);
    const url = `http://rebind.customer.test:${port()}/hook`;
    expect((await checkWebhookUrl(url, { allowPrivate: false, resolve })).ok).toBe(true);
    const result = await createWebhookChannel({ allowPrivate: false, render, resolve }).send(message(url));
    expect(result).toMatchObject({ kind: "permanent" });
    expect(lookups).toEqual(["rebind.customer.test", "rebind.customer.test"]);
    expect(receiver.requests).toHaveLength(0);
  });

  it("refuses non-http schemes and URLs with credentials", async () => {
    const ch = createWebhookChannel({ allowPrivate: false, render, resolve: resolverTo(["127.0.0.1"]) });
    expect(await ch.send(message("file:///etc/passwd"))).toMatchObject({ kind: "permanent" });
    expect(await ch.send(message(`http://user:pw@hooks.customer.test:${port()}/`))).toMatchObject({ kind: "permanent" });
    expect(receiver.requests).toHaveLength(0);
  });

  it("control: with allowPrivate the same made-up name reaches the receiver through the injected resolver", async () => {
    const ch = createWebhookChannel({ allowPrivate: true, render, resolve: resolverTo(["127.0.0.1"]) });
    const result = await ch.send(message(`http://hooks.customer.test:${port()}/hook`));
    expect(result.kind).toBe("sent");
    expect(lookups).toEqual(["hooks.customer.test"]);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0].headers.host).toBe(`hooks.customer.test:${port()}`);
  });
});

describe("guardedLookup", () => {
  const call = (lookup: ReturnType<typeof guardedLookup>, options: Parameters<ReturnType<typeof guardedLookup>>[1]) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>((resolve) =>
      lookup("h.test", options, (err, address, family) => resolve({ err, address, family })),
    );

  it("answers every address when asked for all (Node's happy eyeballs), one otherwise", async () => {
    const lookup = guardedLookup(async () => ["203.0.114.7", "2001:4860::8888"], false);
    expect((await call(lookup, { all: true })).address).toEqual([
      { address: "203.0.114.7", family: 4 },
      { address: "2001:4860::8888", family: 6 },
    ]);
    expect(await call(lookup, {})).toMatchObject({ err: null, address: "203.0.114.7", family: 4 });
    expect(await call(lookup, { family: 6 })).toMatchObject({ err: null, address: "2001:4860::8888", family: 6 });
  });

  it("fails like DNS when nothing of the wanted family is left", async () => {
    const lookup = guardedLookup(async () => ["203.0.114.7"], false);
    const { err } = await call(lookup, { family: 6 });
    expect(err?.code).toBe("ENOTFOUND");
  });

  it("passes resolver errors on", async () => {
    const lookup = guardedLookup(async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND h.test"), { code: "ENOTFOUND" });
    }, false);
    expect((await call(lookup, {})).err?.code).toBe("ENOTFOUND");
  });
});
