import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/types";
import { createLogger } from "../../src/lib/log";
import { createRateLimits } from "../../src/middleware/rate-limit";
import { createRedisClient } from "../../src/middleware/rate-limit-node";
import { call, createTestContext, createUser, type TestContext, uniq } from "../helpers/app";
import { openTestDatabase } from "../helpers/db";

/** The Redis of development and CI; this suite needs it and does not skip without it. */
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

let database: Database;
const clients: Redis[] = [];
const prefixes: string[] = [];
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  const admin = clients.find((c) => c.status === "ready");
  for (const prefix of prefixes) {
    const keys = admin ? await admin.keys(`${prefix}:*`) : [];
    if (keys.length && admin) await admin.del(...keys);
  }
  for (const c of clients) c.disconnect();
  await database.close();
});

function captureLog() {
  const lines: { level: string; msg: string }[] = [];
  return { lines, log: createLogger("warn", (line) => lines.push(JSON.parse(line))) };
}

/** A client as index.ts makes it; resolves once it can serve commands (else the insurance limiter would count). */
async function redisClient(url = REDIS_URL, log = captureLog().log, opts: { connectTimeoutMs?: number } = {}) {
  const client = createRedisClient(url, log, opts);
  clients.push(client);
  return client;
}
const ready = (client: Redis) =>
  client.status === "ready" ? Promise.resolve() : new Promise<void>((resolve) => client.once("ready", () => resolve()));

/** A replica: its own app, its own Redis connection, the one shared database and key prefix. */
async function replica(keyPrefix: string, limits: { user: number; public: number }, client: Redis, log = captureLog().log) {
  return createTestContext({
    database,
    log,
    config: { trustProxy: true },
    rateLimits: createRateLimits({ userPerMinute: limits.user, publicPerMinute: limits.public, redis: client, keyPrefix, log }),
  });
}

const me = (ctx: TestContext, key: string) => call(ctx, "GET", "/v1/me", { token: key });

describe("RateLimiterRedis: one budget for every replica", () => {
  it("two app instances on one Redis alternate requests, and the (limit+1)th answers 429 from either", async () => {
    const keyPrefix = `cw-test:${uniq("rl")}`;
    prefixes.push(keyPrefix);
    const [a, b] = [await redisClient(), await redisClient()];
    await Promise.all([ready(a), ready(b)]);
    const one = await replica(keyPrefix, { user: 4, public: 3 }, a);
    const two = await replica(keyPrefix, { user: 4, public: 3 }, b);
    const user = await createUser(one);

    const replicas = [one, two, one, two];
    for (const [i, ctx] of replicas.entries()) {
      const res = await me(ctx, user.key);
      expect(res.status, `request ${i + 1}`).toBe(200);
      expect(res.headers.get("ratelimit")).toMatch(new RegExp(`^"user";r=${3 - i};t=\\d+$`));
    }
    for (const ctx of [two, one]) {
      const res = await me(ctx, user.key);
      expect(res.status).toBe(429);
      expect((res.json.error as { code: string }).code).toBe("rate_limited");
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(res.headers.get("ratelimit-policy")).toBe('"user";q=4;w=60');
    }

    // public pages too, per client address across replicas
    const page = (ctx: TestContext, xff: string) => call(ctx, "GET", "/preferences", { headers: { "x-forwarded-for": xff } });
    for (const ctx of [one, two, one]) expect((await page(ctx, "1.2.3.4")).status).not.toBe(429);
    expect((await page(two, "1.2.3.4")).status).toBe(429);
    expect((await page(one, "1.2.3.4")).status).toBe(429);
    expect((await page(two, "5.6.7.8")).status).not.toBe(429);

    // the counters are Redis's, under this run's prefix, with the window as their expiry
    const keys = (await a.keys(`${keyPrefix}:*`)).sort();
    expect(keys).toEqual([`${keyPrefix}:public:1.2.3.4`, `${keyPrefix}:public:5.6.7.8`, `${keyPrefix}:user:${user.id}`]);
    expect(Number(await a.get(`${keyPrefix}:user:${user.id}`))).toBe(6);
    const ttl = await a.pttl(`${keyPrefix}:user:${user.id}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});

describe("Redis unavailable", () => {
  it("unreachable from the start: requests are answered at once, limited per process, with a warning", async () => {
    const { lines, log } = captureLog();
    const client = await redisClient("redis://127.0.0.1:1", log, { connectTimeoutMs: 200 });
    const ctx = await replica(`cw-test:${uniq("down")}`, { user: 2, public: 2 }, client, log);
    const user = await createUser(ctx);

    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      statuses.push((await me(ctx, user.key)).status);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "warn", msg: expect.stringMatching(/rate-limit store unreachable/) }),
    );
    await expect.poll(() => lines.some((l) => /redis unavailable/.test(l.msg)), { timeout: 5_000 }).toBe(true);
    // one warning per limiter per minute, however many requests fell back
    expect(lines.filter((l) => /rate-limit store unreachable/.test(l.msg))).toHaveLength(1);
  });

  it("Redis going away mid-run: the next requests are still answered (insurance limiter), nothing crashes", async () => {
    const { lines, log } = captureLog();
    // A TCP relay to the real Redis that the test can cut, like a Redis restart or a network fault.
    const sockets = new Set<Socket>();
    const relay: Server = createServer((inbound) => {
      const target = new URL(REDIS_URL);
      const outbound = tcpConnect(Number(target.port || 6379), target.hostname);
      for (const s of [inbound, outbound]) {
        sockets.add(s);
        s.on("error", () => s.destroy());
        s.on("close", () => sockets.delete(s));
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", () => resolve()));
    const port = (relay.address() as { port: number }).port;
    const url = new URL(REDIS_URL);
    url.host = `127.0.0.1:${port}`;
    const client = await redisClient(url.toString(), log, { connectTimeoutMs: 200 });
    await ready(client);
    const keyPrefix = `cw-test:${uniq("cut")}`;
    prefixes.push(keyPrefix);
    const ctx = await replica(keyPrefix, { user: 3, public: 3 }, client, log);
    const user = await createUser(ctx);
    expect((await me(ctx, user.key)).status).toBe(200);
    expect(lines).toHaveLength(0);

    await new Promise<void>((resolve) => {
      relay.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const started = Date.now();
      statuses.push((await me(ctx, user.key)).status);
      expect(Date.now() - started).toBeLessThan(1_500);
    }
    // the insurance limiter starts its own count: 3 more, then 429
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(lines.map((l) => l.msg)).toContainEqual(expect.stringMatching(/rate-limit store unreachable/));
  });
});
