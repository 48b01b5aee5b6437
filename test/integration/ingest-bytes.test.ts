import http from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { events } from "../../src/db/schema";
import { rows } from "../../src/db/types";
import { parseEnv } from "../../src/env";
import { toBase64 } from "../../src/lib/crypto";
import { createTestContext, type TestContext, uniq } from "../helpers/app";
import { freshEvent, signBytes } from "../helpers/events";

/**
 * POST /v1/events on a real listening server, byte for byte: the signature covers the exact bytes
 * (BOM, invalid UTF-8, spacing), a correctly signed malformed body is a 400, and an answer given
 * before the body was read closes the connection so that a keep-alive client's next request works.
 */

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: Json;
  /** the agent handed this request a socket an earlier request had used */
  reusedSocket: boolean;
}
interface Server {
  port: number;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;

function listen(ctx: TestContext): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: ctx.app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            if ("closeAllConnections" in server) server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    );
    server.once("error", reject);
  });
}

/** One request through a keep-alive agent; `chunks` are sent chunked, `body` with Content-Length. */
function send(
  server: Server,
  agent: http.Agent,
  opts: { path?: string; headers?: Record<string, string>; body?: Uint8Array; chunks?: Uint8Array[] },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { "content-type": "application/json", ...opts.headers };
    if (opts.body) headers["content-length"] = opts.body.length;
    const req = http.request(
      { host: "127.0.0.1", port: server.port, path: opts.path ?? "/v1/events", method: "POST", agent, headers },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (d: Buffer) => parts.push(d));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(parts).toString("utf8");
          let json: Json = {};
          try {
            json = JSON.parse(text) as Json;
          } catch {
            json = { text };
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json, reusedSocket: req.reusedSocket });
        });
      },
    );
    req.on("error", reject);
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else req.end(opts.body);
  });
}

/** Signed headers for exact bytes, timestamped by the service's clock. */
function signed(ctx: TestContext, bytes: Uint8Array, over: { secret?: string; at?: Date; signedBytes?: Uint8Array } = {}) {
  const id = `msg_${uniq()}`;
  const ts = Math.floor((over.at ?? ctx.clock.now()).getTime() / 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(ts),
    "webhook-signature": signBytes(over.secret ?? ctx.ingestSecret, id, ts, over.signedBytes ?? bytes),
  };
}

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

async function storedRaw(ctx: TestContext, id: string): Promise<string | undefined> {
  const [row] = await ctx.database.db.select({ rawBody: events.rawBody }).from(events).where(eq(events.id, id));
  return row?.rawBody;
}

let ctx: TestContext;
let server: Server;
let agent: http.Agent;
beforeAll(async () => {
  ctx = await createTestContext();
  server = await listen(ctx);
});
afterAll(async () => {
  await server?.close();
  await ctx?.close();
});
beforeEach(() => {
  agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
});
afterEach(() => agent.destroy());

/** A valid event on the same agent: the connection (reused or new) still carries requests. */
async function postValid(): Promise<Answer> {
  const e = freshEvent("04-windsurf-subprocessors");
  const bytes = utf8(JSON.stringify(e));
  const res = await send(server, agent, { headers: signed(ctx, bytes), body: bytes });
  expect(res.status).toBe(202);
  expect(await storedRaw(ctx, e.id)).toBe(JSON.stringify(e));
  return res;
}

describe("POST /v1/events over a real connection: the signature covers the exact bytes", () => {
  it("a body starting with a UTF-8 BOM, signed over its bytes → 202, stored with its bytes", async () => {
    const e = freshEvent("01-anthropic-ai-training");
    const text = JSON.stringify(e, null, 2);
    const bytes = concat(BOM, utf8(text));
    const res = await send(server, agent, { headers: signed(ctx, bytes), body: bytes });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ event_id: e.id, duplicate: false });
    // the evidence is exactly what was signed, BOM included (compared in SQL: PGlite's client
    // drops a leading U+FEFF when it decodes a text result, postgres.js does not)
    const [stored] = await rows<{ hex: string }>(
      ctx.database.db,
      sql`select encode(convert_to(raw_body, 'UTF8'), 'hex') as hex from events where id = ${e.id}`,
    );
    expect(stored.hex).toBe(Buffer.from(bytes).toString("hex"));
  });

  it("a BOM body signed over the text without its BOM → 401, nothing stored", async () => {
    const e = freshEvent("01-anthropic-ai-training");
    const text = utf8(JSON.stringify(e));
    const res = await send(server, agent, {
      headers: signed(ctx, concat(BOM, text), { signedBytes: text }),
      body: concat(BOM, text),
    });
    expect(res.status).toBe(401);
    expect(await storedRaw(ctx, e.id)).toBeUndefined();
  });

  it("invalid UTF-8 inside a JSON string, correctly signed → 400 invalid_request, not 401; nothing stored", async () => {
    const e = freshEvent("02-ideogram-training", { summary: "before@@after" });
    const [head, tail] = JSON.stringify(e).split("@@");
    for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80]]) {
      const bytes = concat(utf8(head), new Uint8Array(bad), utf8(tail));
      const res = await send(server, agent, { headers: signed(ctx, bytes), body: bytes });
      expect(res.status, `bytes ${bad}`).toBe(400);
      expect(res.json.error).toMatchObject({ code: "invalid_request", message: "body: not valid UTF-8" });
    }
    expect(await storedRaw(ctx, e.id)).toBeUndefined();
  });

  it("correctly signed bodies that are not JSON → 400; a wrong signature → 401", async () => {
    for (const body of ["not json", "", "\uFEFF", `${JSON.stringify(freshEvent("03-netflix-ai-prohibition"))} trailing`]) {
      const bytes = utf8(body);
      const res = await send(server, agent, { headers: signed(ctx, bytes), body: bytes });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error).toMatchObject({ code: "invalid_request", message: "body: not valid JSON" });
    }
    const e = freshEvent("03-netflix-ai-prohibition");
    const bytes = utf8(JSON.stringify(e));
    const wrongKey = `whsec_${toBase64(new Uint8Array(32).fill(9))}`;
    const res = await send(server, agent, { headers: signed(ctx, bytes, { secret: wrongKey }), body: bytes });
    expect(res.status).toBe(401);
    expect((res.json.error as Json).code).toBe("unauthorized");
    expect(await storedRaw(ctx, e.id)).toBeUndefined();
  });

  it("the same JSON re-serialized with other spacing under the original signature → 401", async () => {
    const e = freshEvent("05-anthropic-arbitration");
    const original = utf8(JSON.stringify(e));
    const respaced = utf8(JSON.stringify(e, null, 1));
    const headers = signed(ctx, original);
    const res = await send(server, agent, { headers, body: respaced });
    expect(res.status).toBe(401);
    expect(await storedRaw(ctx, e.id)).toBeUndefined();
    // the untouched bytes under the same headers pass: only the spacing differed
    expect((await send(server, agent, { headers, body: original })).status).toBe(202);
  });

  it("several signatures in webhook-signature: one matching v1 entry is enough", async () => {
    const e = freshEvent("06-openai-new-document");
    const bytes = utf8(JSON.stringify(e));
    const h = signed(ctx, bytes);
    const other = signBytes(
      `whsec_${toBase64(new Uint8Array(24).fill(3))}`,
      h["webhook-id"],
      Number(h["webhook-timestamp"]),
      bytes,
    );
    const good = h["webhook-signature"];
    const v2 = good.replace(/^v1,/, "v2,");
    expect((await send(server, agent, { headers: { ...h, "webhook-signature": `${other} ${v2}` }, body: bytes })).status).toBe(
      401,
    );
    expect((await send(server, agent, { headers: { ...h, "webhook-signature": `${other} ${good}` }, body: bytes })).status).toBe(
      202,
    );
  });

  it("the ±5 min window is measured on the service's clock, not the system's", async () => {
    const real = ctx.clock.now();
    ctx.clock.set("2021-01-01T00:00:00Z");
    try {
      const e = freshEvent("01-anthropic-ai-training");
      const bytes = utf8(JSON.stringify(e));
      const bySystem = await send(server, agent, { headers: signed(ctx, bytes, { at: new Date() }), body: bytes });
      expect(bySystem.status).toBe(401);
      const late = await send(server, agent, {
        headers: signed(ctx, bytes, { at: new Date("2021-01-01T00:05:01Z") }),
        body: bytes,
      });
      expect(late.status).toBe(401);
      const inWindow = await send(server, agent, {
        headers: signed(ctx, bytes, { at: new Date("2020-12-31T23:55:00Z") }),
        body: bytes,
      });
      expect(inWindow.status).toBe(202);
    } finally {
      ctx.clock.set(real);
    }
  });
});

describe("answers before the whole body is read close the connection", () => {
  const oversized = () => new Uint8Array(MiB + 1).fill(0x20);

  it("413 on Content-Length says Connection: close; the next request on the agent succeeds on a new socket", async () => {
    await postValid();
    const body = oversized();
    const res = await send(server, agent, { headers: signed(ctx, body), body });
    expect(res.status).toBe(413);
    expect((res.json.error as Json).code).toBe("payload_too_large");
    expect(res.headers.connection).toBe("close");
    const next = await postValid();
    expect(next.reusedSocket).toBe(false);
  });

  it("413 on a chunked body that passes 1 MiB while streaming says Connection: close; the next request succeeds", async () => {
    await postValid();
    const chunks = Array.from({ length: 20 }, () => new Uint8Array(64 * 1024).fill(0x20));
    const res = await send(server, agent, { headers: { "webhook-id": "msg_x" }, chunks });
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe("close");
    expect((await postValid()).reusedSocket).toBe(false);
  });

  it("a body of exactly 1 MiB is read: not 413, and the connection stays open", async () => {
    const e = freshEvent("04-windsurf-subprocessors");
    const json = JSON.stringify(e);
    const bytes = utf8(json + " ".repeat(MiB - Buffer.byteLength(json)));
    expect(bytes.length).toBe(MiB);
    const res = await send(server, agent, { headers: signed(ctx, bytes), body: bytes });
    expect(res.status).toBe(202);
    expect(res.headers.connection).toBe("keep-alive");
    expect((await postValid()).reusedSocket).toBe(true);
  });

  it("401s on ingest read the body first: the connection stays open (missing headers, wrong signature)", async () => {
    const bytes = utf8(JSON.stringify(freshEvent("02-ideogram-training")));
    await postValid();
    for (const headers of [{}, { ...signed(ctx, bytes), "webhook-signature": "v1,AAAA" }]) {
      const res = await send(server, agent, { headers, body: bytes });
      expect(res.status).toBe(401);
      expect(res.headers.connection).toBe("keep-alive");
      expect((await postValid()).reusedSocket).toBe(true);
    }
  });

  it("other routes: the 256 KiB limit's 413 and a 401 that never read the body say Connection: close", async () => {
    const big = utf8(JSON.stringify({ platform: "x".repeat(300 * 1024) }));
    const tooBig = await send(server, agent, { path: "/v1/watchlist", headers: { authorization: "Bearer nope" }, body: big });
    expect(tooBig.status).toBe(413);
    expect(tooBig.headers.connection).toBe("close");
    expect((await postValid()).reusedSocket).toBe(false);

    const unread = await send(server, agent, { path: "/v1/watchlist", body: utf8(JSON.stringify({ platform: "anthropic" })) });
    expect(unread.status).toBe(401);
    expect(unread.headers.connection).toBe("close");
    expect((await postValid()).reusedSocket).toBe(false);
  });
});

describe("INGEST_SECRET without the whsec_ prefix", () => {
  it("is accepted by the configuration, like the Standard Webhooks libraries accept it", () => {
    const bare = toBase64(new Uint8Array(32).fill(5));
    for (const value of [bare, `whsec_${bare}`]) {
      const r = parseEnv({ INGEST_SECRET: value });
      expect(r.ok, value).toBe(true);
    }
    for (const value of ["whsec_", "not-base64!", "A", "whsec_A"])
      expect(parseEnv({ INGEST_SECRET: value }).ok, value).toBe(false);
  });

  it("verifies end to end: signed with the decoded key, posted to a service configured with the bare base64", async () => {
    const key = new Uint8Array(32).fill(11);
    const bare = toBase64(key);
    const other = await createTestContext({ database: ctx.database, config: { ingestSecret: bare } });
    const otherServer = await listen(other);
    try {
      const e = freshEvent("05-anthropic-arbitration");
      const bytes = concat(BOM, utf8(JSON.stringify(e)));
      const post = (secret: string) => send(otherServer, agent, { headers: signed(other, bytes, { secret }), body: bytes });
      // the prefixed and the bare form name the same key
      expect((await post(`whsec_${bare}`)).status).toBe(202);
      expect((await post(bare)).json).toEqual({ event_id: e.id, duplicate: true });
      expect((await post(`whsec_${toBase64(new Uint8Array(32).fill(12))}`)).status).toBe(401);
    } finally {
      await otherServer.close();
    }
  });
});
