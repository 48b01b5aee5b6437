import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestContext, createUser, type TestContext, type TestUser } from "../helpers/app";

let ctx: TestContext;
let user: TestUser;
beforeAll(async () => {
  ctx = await createTestContext();
  user = await createUser(ctx, { tier: "watcher" });
});
afterAll(() => ctx.close());

/** Sends a raw Authorization header (or none), so malformed headers can be tried as they are. */
async function withAuthorization(method: string, path: string, authorization: string | undefined) {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  const res = await ctx.app.request(path, { method, headers });
  return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string; request_id: string } } };
}

function expectUnauthorized(res: { status: number; json: Record<string, unknown> }) {
  expect(res.status).toBe(401);
  expect(res.json).toEqual({
    error: { code: "unauthorized", message: expect.any(String), request_id: expect.any(String) },
  });
  const err = res.json.error as { message: string; request_id: string };
  expect(err.message.length).toBeGreaterThan(0);
  expect(err.request_id.length).toBeGreaterThan(0);
}

describe("user API keys", () => {
  const cases: [string, (key: string) => string | undefined][] = [
    ["no Authorization header", () => undefined],
    ["an empty header", () => ""],
    ["Bearer without a key", () => "Bearer"],
    ["Bearer and spaces", () => "Bearer    "],
    ["Basic auth", (key) => `Basic ${Buffer.from(`u:${key}`).toString("base64")}`],
    ["the key without the Bearer scheme", (key) => key],
    ["two tokens after Bearer", (key) => `Bearer ${key} ${key}`],
    ["a wrong key of the right shape", (key) => `Bearer cw_${"A".repeat(key.length - 3)}`],
    ["the key with one character changed", (key) => `Bearer ${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`],
    ["the key with a suffix", (key) => `Bearer ${key}x`],
    ["a very long token", () => `Bearer ${"k".repeat(5000)}`],
  ];
  it.each(cases)("%s → 401 in the error shape", async (_name, header) => {
    const res = await withAuthorization("GET", "/v1/me", header(user.key));
    expectUnauthorized(res);
  });

  it("the right key works, with the scheme in any case", async () => {
    expect((await withAuthorization("GET", "/v1/me", `Bearer ${user.key}`)).status).toBe(200);
    expect((await withAuthorization("GET", "/v1/me", `bearer ${user.key}`)).status).toBe(200);
    const me = await call(ctx, "GET", "/v1/me", { token: user.key });
    expect(me.json.id).toBe(user.id);
  });

  it("rotation: the old key is refused at once and the new one works", async () => {
    const u = await createUser(ctx);
    const rotated = await call(ctx, "POST", "/v1/me/api-key", { token: u.key });
    expect(rotated.status).toBe(200);
    const fresh = rotated.json.api_key as string;
    expect(typeof fresh).toBe("string");
    expect(fresh).not.toBe(u.key);
    expect(fresh.startsWith("cw_")).toBe(true);

    expectUnauthorized(await call(ctx, "GET", "/v1/me", { token: u.key }));
    expectUnauthorized(await call(ctx, "GET", "/v1/watchlist", { token: u.key }));
    const me = await call(ctx, "GET", "/v1/me", { token: fresh });
    expect(me.status).toBe(200);
    expect(me.json.id).toBe(u.id);

    // rotating again retires the second key too
    const again = await call(ctx, "POST", "/v1/me/api-key", { token: fresh });
    expect(again.status).toBe(200);
    expectUnauthorized(await call(ctx, "GET", "/v1/me", { token: fresh }));
    expect((await call(ctx, "GET", "/v1/me", { token: again.json.api_key as string })).status).toBe(200);
  });

  it("rotating one user's key leaves other users' keys working", async () => {
    const a = await createUser(ctx);
    const b = await createUser(ctx);
    expect((await call(ctx, "POST", "/v1/me/api-key", { token: a.key })).status).toBe(200);
    expect((await call(ctx, "GET", "/v1/me", { token: b.key })).json.id).toBe(b.id);
  });
});

describe("operator token and user keys are separate", () => {
  it("the operator token is not a user key", async () => {
    expectUnauthorized(await call(ctx, "GET", "/v1/me", { token: ctx.adminToken }));
    expectUnauthorized(await call(ctx, "GET", "/v1/watchlist", { token: ctx.adminToken }));
    expectUnauthorized(await call(ctx, "POST", "/v1/watchlist", { token: ctx.adminToken, body: { platform: "x" } }));
  });

  it("a user key is not the operator token", async () => {
    expectUnauthorized(await call(ctx, "POST", "/v1/admin/users", { token: user.key, body: { email: "x@example.com" } }));
    expectUnauthorized(await call(ctx, "GET", `/v1/admin/users/${user.id}`, { token: user.key }));
    expectUnauthorized(
      await call(ctx, "PATCH", `/v1/admin/users/${user.id}`, { token: user.key, body: { tier: "professional" } }),
    );
    // and nothing changed
    const me = await call(ctx, "GET", "/v1/me", { token: user.key });
    expect(me.json.tier).toBe("watcher");
  });

  it("a wrong operator token and near misses are refused", async () => {
    for (const token of [`${ctx.adminToken}x`, ctx.adminToken.slice(0, -1), ctx.adminToken.toUpperCase()]) {
      expectUnauthorized(await call(ctx, "GET", `/v1/admin/users/${user.id}`, { token }));
    }
    expectUnauthorized(await withAuthorization("GET", `/v1/admin/users/${user.id}`, undefined));
    expect((await call(ctx, "GET", `/v1/admin/users/${user.id}`, { token: ctx.adminToken })).status).toBe(200);
  });
});

describe("every documented bearer route refuses callers without the right credentials", () => {
  type Op = { security?: Record<string, string[]>[] };
  const fill = (path: string) => path.replace(/\{[^}]+\}/g, "x");

  it("401 before validation, for no key and for the other kind of key", async () => {
    const doc = (await call(ctx, "GET", "/openapi.json")).json as { paths: Record<string, Record<string, Op>> };
    const checked: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        // the bearer routes: signatures, the optional metrics token and the page session are tested where they live
        const schemes = (op.security ?? []).flatMap((r) => Object.keys(r));
        if (!schemes.includes("bearerAuth") && !schemes.includes("adminBearer")) continue;
        const operator = schemes.includes("adminBearer");
        expect(operator, `${method} ${path}`).toBe(path.startsWith("/v1/admin/"));
        const wrongKind = operator ? user.key : ctx.adminToken;
        const body = ["post", "patch", "put"].includes(method) ? {} : undefined;
        for (const token of [undefined, wrongKind, "cw_nonsense"]) {
          const res = await call(ctx, method.toUpperCase(), fill(path), { token, body });
          expect(res.status, `${method.toUpperCase()} ${path} with ${token ? "a wrong key" : "no key"}`).toBe(401);
          expect((res.json.error as { code: string }).code).toBe("unauthorized");
        }
        checked.push(`${method} ${path}`);
      }
    }
    // the contract's core routes are among them
    for (const r of ["get /v1/me", "post /v1/watchlist", "delete /v1/channels/{id}", "post /v1/admin/users"]) {
      expect(checked).toContain(r);
    }
  });
});
