import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bodyOf, call, createTestContext, createUser, type TestContext, type TestUser, uniq } from "../helpers/app";

/** /v1/channels: the account email, webhooks and Slack, what is shown, verification, enabling, deleting. */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe("channels", () => {
  let u: TestUser;
  beforeAll(async () => {
    u = await createUser(ctx, { tier: "professional" });
  });

  it("the account email is listed from the start and cannot be deleted", async () => {
    const client = api(ctx, u.key);
    const list = await bodyOf(await client.v1.channels.$get({ query: {} }), 200);
    const account = list.items[0];
    expect(account).toEqual({
      id: expect.stringMatching(/^chn_/),
      type: "email",
      target: u.email,
      status: "active",
      status_reason: null,
      created_at: expect.stringMatching(ISO),
    });
    const param = { id: account.id };
    const del = await client.v1.channels[":id"].$delete({ param });
    expect(del.status).toBe(403);
    expect((await bodyOf(del, 403)).error.code).toBe("forbidden");
    expect((await bodyOf(await client.v1.channels[":id"].$get({ param }), 200)).status).toBe("active");
    // adding the account's own address again is the same channel
    const again = await client.v1.channels.$post({ json: { type: "email", address: u.email.toUpperCase() } });
    expect(again.status).toBe(409);
  });

  it("a webhook's signing secret is in the creation answer only", async () => {
    const client = api(ctx, u.key);
    const created = await bodyOf(
      await client.v1.channels.$post({ json: { type: "webhook", url: `https://hooks.example.com/in/${uniq("w")}?token=abc` } }),
      201,
    );
    const secret = created.signing_secret ?? "";
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice(6), "base64").length).toBeGreaterThanOrEqual(24);
    expect(created).toMatchObject({ type: "webhook", status: "active", status_reason: null });
    expect(created.target).toMatch(/^https:\/\/hooks\.example\.com\//);
    expect(created.target).not.toContain("abc");

    const param = { id: created.id };
    const answers = [
      await client.v1.channels[":id"].$get({ param }),
      await client.v1.channels.$get({ query: {} }),
      await client.v1.channels[":id"].$patch({ param, json: { enabled: false } }),
      await client.v1.channels[":id"].$patch({ param, json: { enabled: true } }),
    ];
    const bodies: unknown[] = [];
    for (const a of answers) {
      expect(a.status).toBe(200);
      const body = await a.json();
      bodies.push(body);
      expect(JSON.stringify(body)).not.toContain(secret);
      expect(JSON.stringify(body)).not.toContain("signing_secret");
    }
    const { signing_secret: _s, ...rest } = created;
    expect(bodies[0]).toEqual(rest);
  });

  it("a Slack channel never shows its token", async () => {
    const client = api(ctx, u.key);
    const token = `xoxb-${uniq("tok").replace(/[^a-z0-9]/g, "")}`;
    const created = await bodyOf(
      await client.v1.channels.$post({ json: { type: "slack", bot_token: token, channel: "#legal" } }),
      201,
    );
    expect(created).toMatchObject({ type: "slack", target: "#legal", status: "active" });
    expect(JSON.stringify(created)).not.toContain(token);
    expect(JSON.stringify(await (await client.v1.channels.$get({ query: { limit: "200" } })).json())).not.toContain(token);
  });

  it("an email to another address waits for verification", async () => {
    const address = `${uniq("other")}@example.com`;
    const created = await bodyOf(await api(ctx, u.key).v1.channels.$post({ json: { type: "email", address } }), 201);
    expect(created).toMatchObject({ type: "email", target: address, status: "pending_verification" });
    expect(created.signing_secret).toBeUndefined();
  });

  it("enabled: false disables, enabled: true enables again, {} changes nothing", async () => {
    const client = api(ctx, u.key);
    const created = await bodyOf(
      await client.v1.channels.$post({ json: { type: "webhook", url: `https://hooks.example.com/${uniq("t")}` } }),
      201,
    );
    const param = { id: created.id };
    const one = client.v1.channels[":id"];
    expect(await (await one.$patch({ param, json: { enabled: false } })).json()).toMatchObject({ status: "disabled" });
    expect((await bodyOf(await one.$patch({ param, json: {} }), 200)).status).toBe("disabled");
    expect(await (await one.$patch({ param, json: { enabled: true } })).json()).toMatchObject({
      status: "active",
      status_reason: null,
    });
    // call(): a string for the boolean, and a field the PATCH does not take, which the types refuse
    const path = `/v1/channels/${created.id}`;
    expect((await call(ctx, "PATCH", path, { token: u.key, body: { enabled: "yes" } })).status).toBe(400);
    expect((await call(ctx, "PATCH", path, { token: u.key, body: { status: "active" } })).status).toBe(400);
  });

  it("deleting a channel removes it from the list; the same target can be added again", async () => {
    const client = api(ctx, u.key);
    const url = `https://hooks.example.com/${uniq("d")}`;
    const created = await bodyOf(await client.v1.channels.$post({ json: { type: "webhook", url } }), 201);
    const param = { id: created.id };
    expect((await client.v1.channels.$post({ json: { type: "webhook", url } })).status).toBe(409);
    expect((await client.v1.channels[":id"].$delete({ param })).status).toBe(204);
    expect((await client.v1.channels[":id"].$get({ param })).status).toBe(404);
    expect((await client.v1.channels[":id"].$delete({ param })).status).toBe(404);
    const list = await bodyOf(await client.v1.channels.$get({ query: { limit: "200" } }), 200);
    expect(list.items.map((c) => c.id)).not.toContain(created.id);
    expect((await client.v1.channels.$post({ json: { type: "webhook", url } })).status).toBe(201);
  });

  // call(): several of these bodies (an unknown type, a missing address, a number for the URL) are what the types refuse
  it.each([
    [{ type: "sms", address: "x" }, "type"],
    [{ type: "email" }, "address"],
    [{ type: "email", address: "no-at-sign" }, "address"],
    [{ type: "slack", bot_token: "nope", channel: "#c" }, "bot_token"],
    [{ type: "slack", bot_token: "xoxb-1234567890-abcdef", channel: "has space" }, "channel"],
    [{ type: "webhook", url: "ftp://example.com/x" }, "url"],
    [{ type: "webhook", url: "http://127.0.0.1:8080/x" }, "url"],
    [{ type: "webhook", url: "http://[::ffff:127.0.0.1]/x" }, "url"],
    [{ type: "webhook", url: "http://169.254.169.254/latest/meta-data" }, "url"],
    [{ type: "webhook", url: "http://localhost/x" }, "url"],
    [{ type: "webhook", url: "https://user:pass@example.com/x" }, "url"],
    [{ type: "webhook", url: 42 }, "url"],
  ])("%j → 400 naming %s", async (body, field) => {
    const res = await call(ctx, "POST", "/v1/channels", { token: u.key, body });
    expect(res.status).toBe(400);
    expect((res.json as { error: { message: string } }).error.message).toContain(field);
  });
});
