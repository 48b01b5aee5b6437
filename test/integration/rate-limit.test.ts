import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/types";
import type { Deps } from "../../src/deps";
import { createRateLimits } from "../../src/middleware/rate-limit";
import { nodeRemoteAddress } from "../../src/middleware/rate-limit-node";
import { call, createTestContext, createUser, postEvent, type TestContext, uniq } from "../helpers/app";
import { openTestDatabase } from "../helpers/db";
import { freshEvent } from "../helpers/events";

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database.close();
});

/** An app of its own (so its own counters) over the file's one database. */
const appWith = (over: {
  config?: Partial<Deps["config"]>;
  rateLimits?: Deps["rateLimits"];
  remoteAddress?: Deps["remoteAddress"];
}) => createTestContext({ database, ...over });

const me = (ctx: TestContext, key: string) => call(ctx, "GET", "/v1/me", { token: key });
const page = (ctx: TestContext, path: string, forwardedFor?: string) =>
  call(ctx, "GET", path, { headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {} });

function expectLimited(res: Awaited<ReturnType<typeof call>>, policy: string, quota: number, window: number) {
  expect(res.status).toBe(429);
  const error = res.json.error as Record<string, unknown>;
  expect(error.code).toBe("rate_limited");
  expect(error.message).toMatch(/too many requests/);
  expect(error.request_id).toEqual(expect.any(String));
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(window);
  expect(res.headers.get("ratelimit-policy")).toBe(`"${policy}";q=${quota};w=${window}`);
  const [, t] = res.headers.get("ratelimit")?.match(new RegExp(`^"${policy}";r=0;t=(\\d+)$`)) ?? [];
  expect(Number(t)).toBeGreaterThanOrEqual(1);
  // Retry-After never points earlier than the end of the effective window (draft section 6)
  expect(retryAfter).toBeGreaterThanOrEqual(Number(t));
}

describe("user API routes: RATE_LIMIT_PER_MINUTE per API key", () => {
  it("the 6th request of a minute answers 429 rate_limited with Retry-After and RateLimit headers; another user is unaffected", async () => {
    const ctx = await appWith({ config: { rateLimitPerMinute: 5 } });
    const alice = await createUser(ctx);
    const bob = await createUser(ctx);
    for (let i = 1; i <= 5; i++) {
      const res = await me(ctx, alice.key);
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit-policy")).toBe('"user";q=5;w=60');
      expect(res.headers.get("ratelimit")).toMatch(new RegExp(`^"user";r=${5 - i};t=(60|59)$`));
    }
    expectLimited(await me(ctx, alice.key), "user", 5, 60);
    expectLimited(await call(ctx, "GET", "/v1/watchlist", { token: alice.key }), "user", 5, 60);

    const other = await me(ctx, bob.key);
    expect(other.status).toBe(200);
    expect(other.headers.get("ratelimit")).toMatch(/^"user";r=4;t=/);
  });

  it("a bad key is a 401 and costs nobody anything; rotating the key does not reset the budget", async () => {
    const ctx = await appWith({ config: { rateLimitPerMinute: 3 } });
    const user = await createUser(ctx);
    for (let i = 0; i < 10; i++) {
      const res = await me(ctx, `cw_${uniq("not-a-key")}`);
      expect(res.status).toBe(401);
      expect(res.headers.get("ratelimit")).toBeNull();
    }
    expect((await me(ctx, user.key)).headers.get("ratelimit")).toMatch(/^"user";r=2;/);
    const rotated = await call(ctx, "POST", "/v1/me/api-key", { token: user.key });
    expect(rotated.status).toBe(200);
    const newKey = rotated.json.api_key as string;
    expect(newKey).toEqual(expect.any(String));
    expect((await me(ctx, newKey)).headers.get("ratelimit")).toMatch(/^"user";r=0;/);
    expectLimited(await me(ctx, newKey), "user", 3, 60);
  });
});

describe("public routes: PUBLIC_RATE_LIMIT_PER_MINUTE per client address", () => {
  it("behind a trusted proxy the last X-Forwarded-For hop counts: 1.2.3.4 spent, 5.6.7.8 still served", async () => {
    const ctx = await appWith({ config: { publicRateLimitPerMinute: 3, trustProxy: true } });
    // one budget across the public pages; /preferences matches two patterns and still counts once
    for (const path of ["/preferences", "/unsubscribe/not-a-token", "/verify-email/not-a-token"]) {
      const res = await page(ctx, path, "1.2.3.4");
      expect(res.status, path).not.toBe(429);
      expect(res.headers.get("ratelimit-policy"), path).toBe('"public";q=3;w=60');
    }
    expectLimited(await page(ctx, "/preferences", "1.2.3.4"), "public", 3, 60);
    // hops before the last are the client's own say: naming another first hop changes nothing
    expectLimited(await page(ctx, "/unsubscribe/x", "203.0.113.9, 1.2.3.4"), "public", 3, 60);

    const fresh = await page(ctx, "/preferences", "1.2.3.4, 5.6.7.8");
    expect(fresh.status).not.toBe(429);
    expect(fresh.headers.get("ratelimit")).toMatch(/^"public";r=2;t=/);
  });

  it("without TRUST_PROXY X-Forwarded-For is ignored: a spoofed header never buys a fresh budget", async () => {
    const ctx = await appWith({ config: { publicRateLimitPerMinute: 2, trustProxy: false } });
    expect((await page(ctx, "/preferences", "10.0.0.1")).status).not.toBe(429);
    expect((await page(ctx, "/preferences", "10.0.0.2")).status).not.toBe(429);
    for (const spoof of ["10.0.0.3", "1.2.3.4, 5.6.7.8", "198.51.100.7"])
      expectLimited(await page(ctx, "/preferences", spoof), "public", 2, 60);
  });

  it("the API and the public pages keep separate budgets", async () => {
    const ctx = await appWith({ config: { publicRateLimitPerMinute: 1, rateLimitPerMinute: 1 } });
    const user = await createUser(ctx);
    expect((await page(ctx, "/preferences")).status).not.toBe(429);
    expect((await page(ctx, "/preferences")).status).toBe(429);
    expect((await me(ctx, user.key)).status).toBe(200);
    expect((await me(ctx, user.key)).status).toBe(429);
  });
});

describe("routes that are never limited", () => {
  it("ingest, operator routes, the Resend webhook, health, metrics and the docs answer 200 requests without a 429", async () => {
    const ctx = await appWith({ config: { publicRateLimitPerMinute: 1, rateLimitPerMinute: 1, trustProxy: false } });
    const user = await createUser(ctx);
    // the limits are live in this app: one request each, then 429
    expect((await me(ctx, user.key)).status).toBe(200);
    expect((await me(ctx, user.key)).status).toBe(429);
    expect((await page(ctx, "/preferences")).status).not.toBe(429);
    expect((await page(ctx, "/preferences")).status).toBe(429);

    const event = freshEvent("01-anthropic-ai-training");
    const admin = { token: ctx.adminToken };
    const routes: [string, () => Promise<{ status: number }>][] = [
      ["POST /v1/events", () => postEvent(ctx, event)],
      ["GET /v1/admin/users/{id}", () => call(ctx, "GET", `/v1/admin/users/${user.id}`, admin)],
      ["POST /v1/providers/resend", () => call(ctx, "POST", "/v1/providers/resend", { body: {} })],
      ["GET /healthz", () => call(ctx, "GET", "/healthz")],
      ["GET /readyz", () => call(ctx, "GET", "/readyz")],
      ["GET /metrics", () => call(ctx, "GET", "/metrics")],
      ["GET /openapi.json", () => call(ctx, "GET", "/openapi.json")],
      ["GET /docs", () => call(ctx, "GET", "/docs")],
    ];
    // the routes side by side (each its 200 in sequence): same budget questions, half the wall time
    await Promise.all(
      routes.map(async ([name, send]) => {
        const statuses = new Set<number>();
        for (let i = 0; i < 200; i++) statuses.add((await send()).status);
        expect(statuses.has(429), `${name}: ${[...statuses]}`).toBe(false);
        expect(
          [...statuses].some((s) => s < 300 || name.includes("resend")),
          `${name}: ${[...statuses]}`,
        ).toBe(true);
      }),
    );
  }, 120_000);
});

describe("the window", () => {
  it("a spent budget comes back once the window has passed (1 s window)", async () => {
    const ctx = await appWith({ rateLimits: createRateLimits({ userPerMinute: 2, publicPerMinute: 2, windowSeconds: 1 }) });
    const user = await createUser(ctx);
    expect((await me(ctx, user.key)).status).toBe(200);
    expect((await me(ctx, user.key)).status).toBe(200);
    const limited = await me(ctx, user.key);
    expectLimited(limited, "user", 2, 1);
    expect((await page(ctx, "/preferences")).status).not.toBe(429);

    await new Promise((r) => setTimeout(r, Number(limited.headers.get("retry-after")) * 1000 + 100));
    const back = await me(ctx, user.key);
    expect(back.status).toBe(200);
    expect(back.headers.get("ratelimit")).toMatch(/^"user";r=1;t=1$/);
  });
});

describe("a real listening server", () => {
  /** A GET over a real socket from a chosen loopback source address. */
  function get(port: number, localAddress: string, headers: Record<string, string> = {}) {
    return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
      (resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port, path: "/preferences", localAddress, headers }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            body += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on("error", reject);
        req.end();
      },
    );
  }

  it("without TRUST_PROXY the socket's address is the key: X-Forwarded-For changes nothing, another source address has its own budget", async () => {
    const ctx = await appWith({ config: { publicRateLimitPerMinute: 2, trustProxy: false }, remoteAddress: nodeRemoteAddress });
    const server = serve({ fetch: ctx.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((resolve) => (server.listening ? resolve() : server.once("listening", () => resolve())));
    try {
      const { port } = server.address() as AddressInfo;
      expect((await get(port, "127.0.0.1", { "x-forwarded-for": "1.1.1.1" })).status).not.toBe(429);
      expect((await get(port, "127.0.0.1", { "x-forwarded-for": "2.2.2.2" })).status).not.toBe(429);
      const limited = await get(port, "127.0.0.1", { "x-forwarded-for": "3.3.3.3" });
      expect(limited.status).toBe(429);
      expect(JSON.parse(limited.body).error.code).toBe("rate_limited");
      expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      expect(limited.headers["ratelimit-policy"]).toBe('"public";q=2;w=60');

      // 127.0.0.2 is another loopback source: another client as far as the socket can tell
      const other = await get(port, "127.0.0.2");
      expect(other.status).not.toBe(429);
      expect(other.headers.ratelimit).toMatch(/^"public";r=1;/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
