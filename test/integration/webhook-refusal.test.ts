import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDispatcher } from "../../src/delivery/dispatcher";
import { createMetrics } from "../../src/delivery/metrics";
import { createChannels } from "../../src/delivery/setup";
import { call, createTestContext, createUser, type TestContext, type TestUser } from "../helpers/app";

/*
 * What an owner and an operator read when the SSRF guard refuses a webhook target: the API's 400
 * at creation and the notification's error at delivery both say which address was refused, why,
 * and which setting allows it.
 */
const HINT = "set ALLOW_PRIVATE_WEBHOOK_TARGETS=true to allow private, loopback and link-local targets";

// A made-up name that is public when the channel is created and private when it is used (DNS
// rebinding); no other answer is ever given, so nothing here leaves this machine.
let rebound = false;
const resolveHost = async (host: string) => {
  if (host === "rebind.customer.test") return rebound ? ["10.0.0.1"] : ["203.0.114.7"];
  if (host === "metadata.customer.test") return ["169.254.169.254"];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
};

let ctx: TestContext;
let u: TestUser;
beforeAll(async () => {
  ctx = await createTestContext({ resolveHost });
  u = await createUser(ctx, { tier: "professional" });
});
afterAll(() => ctx.close());

describe("POST /v1/channels refuses a private webhook target with a 400 that names the setting", () => {
  it.each([
    ["a private literal", "http://10.0.0.1/hook", `url: 10.0.0.1 is a private address; ${HINT}`],
    [
      "a name resolving to cloud metadata",
      "https://metadata.customer.test/hook",
      `url: host metadata.customer.test resolves to 169.254.169.254, a link-local address; ${HINT}`,
    ],
    [
      "NAT64 of loopback",
      "http://[64:ff9b::7f00:1]/hook",
      `url: 64:ff9b::7f00:1 is a loopback address (IPv4 127.0.0.1 in NAT64 form); ${HINT}`,
    ],
    ["localhost", "http://localhost:8080/hook", `url: host localhost is a loopback name; ${HINT}`],
  ])("%s", async (_what, url, message) => {
    const res = await call(ctx, "POST", "/v1/channels", { token: u.key, body: { type: "webhook", url } });
    expect(res.status).toBe(400);
    expect((res.json.error as { message: string }).message).toBe(message);
  });

  it("control: a public target is accepted", async () => {
    const res = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "webhook", url: "https://[64:ff9b::8.8.8.8]/hook" },
    });
    expect(res.status).toBe(201);
  });
});

describe("a delivery the guard refuses", () => {
  it("is recorded as failed, with the same message", async () => {
    rebound = false;
    const created = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "webhook", url: "http://rebind.customer.test/hook" },
    });
    expect(created.status).toBe(201);
    rebound = true;

    const channels = createChannels({
      publicUrl: ctx.deps.config.publicUrl,
      dataDir: "/nonexistent",
      emailFrom: "clausewatch <alerts@clausewatch.test>",
      allowPrivateWebhookTargets: false,
      resolveHost,
    });
    const dispatcher = createDispatcher({
      database: ctx.database,
      channels,
      keys: ctx.deps.keys,
      clock: ctx.clock,
      log: ctx.deps.log,
      metrics: createMetrics(),
      publicUrl: ctx.deps.config.publicUrl,
      random: () => 0.5,
    });
    const queued = await call(ctx, "POST", `/v1/channels/${created.json.id}/test`, { token: u.key });
    expect(queued.status).toBe(202);
    await dispatcher.runOnce();

    const n = (await call(ctx, "GET", `/v1/notifications/${queued.json.id}`, { token: u.key })).json;
    expect(n.status).toBe("failed");
    expect(n.last_error).toBe(
      `webhook target refused: host rebind.customer.test resolves to 10.0.0.1, a private address; ${HINT}`,
    );
  });
});
