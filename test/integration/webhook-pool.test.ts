import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createWebhookChannel, type WebhookChannel } from "../../src/delivery/channels/webhook";
import type { OutboundMessage, RenderWebhook } from "../../src/delivery/types";
import { socketCount } from "../../src/delivery/webhook-agent";
import { newSigningSecret } from "../../src/lib/channel-secrets";

/**
 * The webhook channel's keep-alive pool, seen from a local receiver that counts the TCP
 * connections it accepts: deliveries to one receiver share connections, and pooling does not
 * open a way around the SSRF guard.
 */
const SECRET = newSigningSecret();
let seq = 0;
function message(url: string): OutboundMessage {
  seq++;
  return {
    id: `ntf_pool_${seq}`,
    kind: "test",
    createdAt: new Date(),
    attempt: 1,
    user: { id: "usr_1", email: "owner@example.com", tier: "watcher", timezone: "UTC" },
    channel: { id: "chn_pool", type: "webhook", target: url, secret: { url, signing_secret: SECRET } },
    content: { kind: "test" },
    links: { manage: "http://cw.test/p", unsubscribe: "http://cw.test/u" },
  };
}
const render: RenderWebhook = (msg) => ({ type: "test", id: msg.id, created_at: msg.createdAt.toISOString(), data: {} });

interface Hit {
  socket: Socket;
  verified: boolean;
}
let server: Server;
let port = 0;
let connections = 0;
let hits: Hit[] = [];
/** what the receiver does with a request; answers 204 by default */
let handler: (req: IncomingMessage, res: ServerResponse) => void;
const answer = (_req: IncomingMessage, res: ServerResponse) => res.writeHead(204).end();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let verified = false;
      try {
        new Webhook(SECRET).verify(Buffer.concat(chunks).toString("utf8"), {
          "webhook-id": String(req.headers["webhook-id"]),
          "webhook-timestamp": String(req.headers["webhook-timestamp"]),
          "webhook-signature": String(req.headers["webhook-signature"]),
        });
        verified = true;
      } catch {}
      hits.push({ socket: req.socket, verified });
      handler(req, res);
    });
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

let lookups: string[] = [];
/** a made-up name that only this resolver knows */
const resolveTo = (address: string) => async (host: string) => {
  lookups.push(host);
  return [address];
};
const channels: WebhookChannel[] = [];
const channel = (over: Partial<Parameters<typeof createWebhookChannel>[0]> = {}) => {
  const ch = createWebhookChannel({ allowPrivate: true, render, resolve: resolveTo("127.0.0.1"), ...over });
  channels.push(ch);
  return ch;
};
beforeEach(() => {
  connections = 0;
  hits = [];
  lookups = [];
  handler = answer;
});
afterEach(() => {
  for (const ch of channels.splice(0)) ch.agents?.destroy();
  server.closeAllConnections();
});

const url = (host = "receiver.pool.test") => `http://${host}:${port}/hook`;

describe("webhook connection pool", () => {
  it("one receiver, one after another: every delivery goes over the same connection, resolved once", async () => {
    const ch = channel();
    for (let i = 0; i < 10; i++) expect(await ch.send(message(url()))).toMatchObject({ kind: "sent" });
    expect(hits).toHaveLength(10);
    expect(hits.every((h) => h.verified)).toBe(true);
    expect(connections).toBe(1);
    expect(new Set(hits.map((h) => h.socket)).size).toBe(1);
    // the one connection is the one the guarded lookup resolved and checked
    expect(lookups).toEqual(["receiver.pool.test"]);
    expect(ch.agents && socketCount(ch.agents.http)).toBe(1);
  });

  it("40 at once with 4 in flight per host: at most 4 connections, each resolved by the guarded lookup", async () => {
    const ch = channel({ maxInFlightPerHost: 4 });
    handler = (req, res) => setTimeout(() => answer(req, res), 5);
    const results = await Promise.all(Array.from({ length: 40 }, () => ch.send(message(url()))));
    expect(results.every((r) => r.kind === "sent")).toBe(true);
    expect(hits).toHaveLength(40);
    expect(connections).toBeLessThanOrEqual(4);
    expect(lookups.length).toBe(connections);
  });

  it("a socket is not pooled past its age limit: the next delivery resolves and connects again", async () => {
    const ch = channel({ pool: { maxSocketAgeMs: 50 } });
    await ch.send(message(url()));
    await ch.send(message(url()));
    expect(connections).toBe(1);
    await new Promise((r) => setTimeout(r, 80));
    await ch.send(message(url())); // reuses it one last time, then the agent closes it
    await ch.send(message(url()));
    expect(connections).toBe(2);
    expect(lookups).toHaveLength(2);
  });

  it("a kept socket the receiver resets on reuse: sent on a fresh connection, not failed", async () => {
    const ch = channel();
    await ch.send(message(url()));
    const first = hits[0].socket;
    // the next request on that connection is reset before any answer (an idle close racing reuse)
    handler = (req, res) => (req.socket === first ? req.socket.resetAndDestroy() : answer(req, res));
    expect(await ch.send(message(url()))).toMatchObject({ kind: "sent" });
    expect(connections).toBe(2);
  });

  it("a receiver slower than the idle timeout still answers on a pooled socket", async () => {
    const ch = channel({ pool: { idleMs: 50 } });
    handler = (req, res) => setTimeout(() => answer(req, res), 200);
    expect(await ch.send(message(url()))).toMatchObject({ kind: "sent" });
    expect(await ch.send(message(url()))).toMatchObject({ kind: "sent" });
  });

  it("a timed-out request's socket is dropped, the next delivery connects afresh", async () => {
    const ch = channel({ timeoutMs: 150 });
    handler = () => {}; // never answers
    expect(await ch.send(message(url()))).toMatchObject({ kind: "retry", reason: expect.stringMatching(/timed out/) });
    handler = answer;
    expect(await ch.send(message(url()))).toMatchObject({ kind: "sent" });
    expect(connections).toBe(2);
  });
});

describe("the SSRF guard with pooling (allowPrivate = false)", () => {
  it("a host that resolves to a private address is refused, even while another channel holds warm sockets to it", async () => {
    const lax = channel({ allowPrivate: true });
    expect(await lax.send(message(url()))).toMatchObject({ kind: "sent" });
    expect(connections).toBe(1);

    const strict = channel({ allowPrivate: false });
    const result = await strict.send(message(url()));
    expect(result).toMatchObject({ kind: "permanent", reason: expect.stringMatching(/127\.0\.0\.1.*loopback/) });
    expect(connections).toBe(1);
    expect(hits).toHaveLength(1);
    // the refused socket never connected; once its close event has run, nothing is pooled
    await new Promise((r) => setTimeout(r, 10));
    expect(strict.agents && socketCount(strict.agents.http)).toBe(0);
  });

  it("every new connection is checked: a name that rebinds to loopback is refused once the pooled socket is gone", async () => {
    // allowPrivate=false cannot reach the local receiver at all, so the rebinding is shown on the
    // lookup: the pool's agent carries the guarded lookup, and it refuses the second answer
    let answer = "203.0.113.50";
    const strict = channel({
      allowPrivate: false,
      timeoutMs: 500,
      resolve: async (host) => {
        lookups.push(host);
        return [answer];
      },
    });
    // 203.0.113.0/24 is documentation space: refused by the guard too, without connecting
    expect(await strict.send(message(url("rebind.pool.test")))).toMatchObject({ kind: "permanent" });
    answer = "127.0.0.1";
    expect(await strict.send(message(url("rebind.pool.test")))).toMatchObject({
      kind: "permanent",
      reason: expect.stringMatching(/rebind\.pool\.test resolves to 127\.0\.0\.1/),
    });
    expect(lookups).toEqual(["rebind.pool.test", "rebind.pool.test"]);
    expect(connections).toBe(0);
  });
});
