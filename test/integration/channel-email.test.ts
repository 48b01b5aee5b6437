import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { classifyResendError, createOutboxDirChannel, createResendChannel } from "../../src/delivery/channels/email";
import type { OutboundMessage, RenderEmail } from "../../src/delivery/types";
import { type FakeResend, startFakeResend } from "../fakes/resend";

const API_KEY = "re_test_123";
let seq = 0;

function message(over: Partial<OutboundMessage> = {}): OutboundMessage {
  seq++;
  return {
    id: `ntf_email_${seq}_${Date.now()}`,
    kind: "test",
    createdAt: new Date("2026-05-09T14:35:38Z"),
    attempt: 1,
    user: { id: "usr_1", email: "owner@example.com", tier: "watcher", timezone: "UTC" },
    channel: { id: "chn_1", type: "email", target: "reader@example.com", secret: null },
    content: { kind: "test" },
    links: { manage: "http://cw.test/preferences?token=t", unsubscribe: "http://cw.test/unsubscribe/u" },
    ...over,
  };
}

const render: RenderEmail = async (msg) => ({
  subject: `[Test] clausewatch ${msg.id}`,
  html: `<p>Test message ${msg.id}</p>`,
  text: `Test message ${msg.id}`,
  headers: {
    "List-Unsubscribe": `<${msg.links.unsubscribe}>`,
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "List-Id": "clausewatch test <test.clausewatch.test>",
  },
});

let fake: FakeResend;
beforeAll(async () => {
  fake = await startFakeResend({ apiKey: API_KEY, ratePerSecond: 50 });
});
afterAll(() => fake.close());

const channel = (over: Partial<Parameters<typeof createResendChannel>[0]> = {}) =>
  createResendChannel({
    apiKey: API_KEY,
    baseUrl: fake.url,
    from: "clausewatch <alerts@clausewatch.test>",
    render,
    ratePerSecond: 50,
    ...over,
  });

const requestsFor = (id: string) => fake.requests.filter((r) => r.headers["idempotency-key"] === id);

describe("Resend channel (real SDK against the local Resend)", () => {
  it("sends both parts and the headers, keyed by the notification id", async () => {
    const msg = message();
    const result = await channel().send(msg);

    expect(result.kind).toBe("sent");
    const [req] = requestsFor(msg.id);
    expect(req.path).toBe("/emails");
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req.body).toMatchObject({
      from: "clausewatch <alerts@clausewatch.test>",
      to: "reader@example.com",
      subject: `[Test] clausewatch ${msg.id}`,
      html: `<p>Test message ${msg.id}</p>`,
      text: `Test message ${msg.id}`,
      headers: { "List-Unsubscribe-Post": "List-Unsubscribe=One-Click", "List-Unsubscribe": "<http://cw.test/unsubscribe/u>" },
    });
    const sent = fake.emails.find((e) => e.idempotencyKey === msg.id);
    expect(result).toEqual({ kind: "sent", providerId: sent?.id });
  });

  it("a resend of the same notification is de-duplicated by Resend: one email, same id", async () => {
    const ch = channel();
    const msg = message();
    const first = await ch.send(msg);
    const second = await ch.send({ ...msg, attempt: 2 });
    expect(first.kind).toBe("sent");
    expect(second).toEqual(first);
    expect(requestsFor(msg.id)).toHaveLength(2);
    expect(fake.emails.filter((e) => e.idempotencyKey === msg.id)).toHaveLength(1);
  });

  it("500 then 200: retry, then sent, with the same Idempotency-Key both times", async () => {
    const ch = channel();
    const msg = message();
    fake.script({ status: 500 });
    const first = await ch.send(msg);
    const second = await ch.send(msg);
    expect(first).toMatchObject({ kind: "retry" });
    expect(first.kind === "retry" && first.reason).toContain("500");
    expect(second.kind).toBe("sent");
    expect(requestsFor(msg.id).map((r) => r.status)).toEqual([500, 200]);
  });

  it("429 with Retry-After: retry after that many seconds", async () => {
    const msg = message();
    fake.script({ status: 429, headers: { "retry-after": "7" } });
    const result = await channel().send(msg);
    expect(result).toMatchObject({ kind: "retry", afterMs: 7000 });
  });

  it("a 429 without Retry-After falls back to ratelimit-reset", async () => {
    fake.script({ status: 429, headers: { "ratelimit-reset": "3", "ratelimit-remaining": "0" } });
    const result = await channel().send(message());
    expect(result).toMatchObject({ kind: "retry", afterMs: 3000 });
  });

  it("after a 429, the bucket holds later sends back; beyond maxPacingWaitMs it answers retry without calling", async () => {
    const ch = channel({ maxPacingWaitMs: 1000 });
    fake.script({ status: 429, headers: { "retry-after": "5" } });
    expect(await ch.send(message())).toMatchObject({ kind: "retry", afterMs: 5000 });
    const before = fake.requests.length;
    const next = await ch.send(message());
    expect(next.kind).toBe("retry");
    expect(next.kind === "retry" && next.afterMs).toBeGreaterThan(4000);
    expect(fake.requests.length).toBe(before);
  });

  it("422 (invalid from address) is permanent", async () => {
    const result = await channel({ from: "not an address" }).send(message());
    expect(result).toMatchObject({ kind: "permanent" });
    expect(result.kind === "permanent" && result.reason).toContain("invalid_from_address");
  });

  it("401 (our API key is wrong) holds the message instead of failing it", async () => {
    const result = await channel({ apiKey: "re_wrong" }).send(message());
    expect(result).toMatchObject({ kind: "held" });
    expect(result.kind === "held" && result.reason).toContain("401");
  });

  it("403 (domain not verified) holds too", async () => {
    fake.script({
      status: 403,
      body: { statusCode: 403, name: "validation_error", message: "The clausewatch.test domain is not verified." },
    });
    expect(await channel().send(message())).toMatchObject({ kind: "held" });
  });

  it("409 concurrent_idempotent_requests (our earlier attempt still running) is retried", async () => {
    const ch = channel();
    const msg = message();
    fake.script({ status: 200, delayMs: 300 });
    const [a, b] = await Promise.all([ch.send(msg), new Promise((r) => setTimeout(r, 50)).then(() => ch.send(msg))]);
    expect(a.kind).toBe("sent");
    expect(b).toMatchObject({ kind: "retry" });
    expect(b.kind === "retry" && b.reason).toContain("concurrent_idempotent_requests");
    expect(fake.emails.filter((e) => e.idempotencyKey === msg.id)).toHaveLength(1);
  });

  it("409 invalid_idempotent_request (same key, other content): an earlier attempt went out, so sent, not failed", async () => {
    const msg = message();
    let n = 0;
    const drifting: RenderEmail = async (m) => ({ ...(await render(m)), text: `version ${++n}` });
    const ch = channel({ render: drifting });
    expect((await ch.send(msg)).kind).toBe("sent");
    const again = await ch.send(msg);
    expect(again).toMatchObject({ kind: "sent" });
    expect(again.kind === "sent" && again.response).toContain("invalid_idempotent_request");
    expect(fake.emails.filter((e) => e.idempotencyKey === msg.id)).toHaveLength(1);
  });

  it("no answer (nothing listening) is retried", async () => {
    const gone = await startFakeResend({ apiKey: API_KEY });
    await gone.close();
    const result = await channel({ baseUrl: gone.url }).send(message());
    expect(result).toMatchObject({ kind: "retry" });
    expect(result.kind === "retry" && result.reason).toContain("no response");
  });

  it("a request slower than timeoutMs is aborted and retried", async () => {
    fake.script({ status: 200, delayMs: 1500 });
    const start = Date.now();
    const result = await channel({ timeoutMs: 150 }).send(message());
    expect(result.kind).toBe("retry");
    expect(Date.now() - start).toBeLessThan(1200);
  });

  it("a proxy's HTML 502 and a JSON error body without statusCode are retried (SDK quirks)", async () => {
    fake.script({ status: 502, rawBody: "<html>Bad gateway</html>" });
    const html = await channel().send(message());
    expect(html).toMatchObject({ kind: "retry" });
    expect(html.kind === "retry" && html.reason).toContain("502");

    fake.script({ status: 503, body: { message: "upstream unavailable" } });
    expect(await channel().send(message())).toMatchObject({ kind: "retry" });
  });

  it("a renderer that throws makes the message permanent, and nothing is sent", async () => {
    const before = fake.requests.length;
    const result = await channel({
      render: async () => {
        throw new Error("template exploded");
      },
    }).send(message());
    expect(result).toMatchObject({ kind: "permanent", reason: "email render failed: template exploded" });
    expect(fake.requests.length).toBe(before);
  });
});

describe("Resend pacing against Resend's rate-limit headers", () => {
  let limited: FakeResend;
  beforeAll(async () => {
    limited = await startFakeResend({ apiKey: API_KEY, ratePerSecond: 2 });
  });
  afterAll(() => limited.close());

  it("waits for ratelimit-reset when ratelimit-remaining reaches 0, so no call is refused", async () => {
    // our own bucket would allow 100/s: only the headers can keep us under Resend's 2/s
    const ch = createResendChannel({ apiKey: API_KEY, baseUrl: limited.url, from: "cw <a@cw.test>", render, ratePerSecond: 100 });
    const start = Date.now();
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await ch.send(message()));
    expect(results.map((r) => r.kind)).toEqual(["sent", "sent", "sent"]);
    expect(limited.requests.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(Date.now() - start).toBeGreaterThanOrEqual(700);
  });
});

describe("classifyResendError", () => {
  it.each([
    [{ statusCode: null, name: "application_error", message: "Unable to fetch data." }, "retry"],
    [{ statusCode: 429, name: "daily_quota_exceeded", message: "quota" }, "retry"],
    [{ statusCode: 400, name: "validation_error", message: "bad" }, "permanent"],
    [{ statusCode: 451, name: "security_error", message: "no" }, "permanent"],
    [{ statusCode: 404, name: "not_found", message: "The requested endpoint does not exist." }, "held"],
    [{ name: "invalid_api_key", message: "no status in the body" }, "held"],
    [{ name: "missing_required_field", message: "no status in the body" }, "permanent"],
    [
      {
        statusCode: 409,
        name: "invalid_idempotent_request",
        message: "Same idempotency key used with a different request payload.",
      },
      "sent",
    ],
    [{ statusCode: 409, name: "concurrent_idempotent_requests", message: "in progress" }, "retry"],
    [{ message: "neither status nor name" }, "retry"],
  ])("%o → %s", (error, kind) => {
    expect(classifyResendError(error, null).kind).toBe(kind);
  });
});

describe("outbox directory channel (no RESEND_API_KEY)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cw-outbox-"));
  });
  afterEach(async () => {
    await rm(join(dir, "outbox"), { recursive: true, force: true });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("writes <id>.html, <id>.txt and <id>.json and reports outbox:<id>", async () => {
    const outbox = join(dir, "outbox");
    const ch = createOutboxDirChannel({
      dir: outbox,
      from: "clausewatch <alerts@localhost>",
      render,
      now: () => new Date("2026-05-09T15:00:00Z"),
    });
    const msg = message();
    const result = await ch.send(msg);

    expect(result).toEqual({ kind: "sent", providerId: `outbox:${msg.id}` });
    expect((await readdir(outbox)).sort()).toEqual([`${msg.id}.html`, `${msg.id}.json`, `${msg.id}.txt`]);
    expect(await readFile(join(outbox, `${msg.id}.html`), "utf8")).toBe(`<p>Test message ${msg.id}</p>`);
    expect(await readFile(join(outbox, `${msg.id}.txt`), "utf8")).toBe(`Test message ${msg.id}`);
    expect(JSON.parse(await readFile(join(outbox, `${msg.id}.json`), "utf8"))).toEqual({
      from: "clausewatch <alerts@localhost>",
      to: "reader@example.com",
      subject: `[Test] clausewatch ${msg.id}`,
      headers: (await render(msg)).headers,
      created_at: "2026-05-09T15:00:00.000Z",
    });
  });

  it("keeps file names inside the directory whatever the id", async () => {
    const outbox = join(dir, "outbox");
    const ch = createOutboxDirChannel({ dir: outbox, from: "a@b.c", render });
    const result = await ch.send(message({ id: "../../escape" }));
    expect(result.kind).toBe("sent");
    const files = await readdir(outbox);
    expect(files).toHaveLength(3);
    expect(files.every((f) => !f.includes("/") && !f.startsWith("."))).toBe(true);
  });

  it("a directory that cannot be written is retried", async () => {
    // a file where the directory should be
    const blocker = join(dir, "not-a-dir");
    await import("node:fs/promises").then((fs) => fs.writeFile(blocker, "x"));
    const result = await createOutboxDirChannel({ dir: join(blocker, "outbox"), from: "a@b.c", render }).send(message());
    expect(result.kind).toBe("retry");
  });
});
