import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows } from "../../src/db/types";
import { channelFingerprint, newSigningSecret, sealSecret } from "../../src/lib/channel-secrets";
import { createKeys, randomBytes, toHex } from "../../src/lib/crypto";
import { createTestContext, createUser, type TestContext } from "../helpers/app";
import { fileDatabaseUrl, onPostgres } from "../helpers/db";

const N = 1000;
const child = fileURLToPath(new URL("../helpers/dispatcher-child.ts", import.meta.url));

async function startDispatcher(secretKeyHex: string): Promise<ChildProcess> {
  return spawn(process.execPath, ["--import", "tsx", child], {
    env: { ...process.env, DATABASE_URL: await fileDatabaseUrl(), SECRET_KEY: secretKeyHex, LEASE_MS: "2000" },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

const until = async (cond: () => boolean | Promise<boolean>, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
};

describe.runIf(onPostgres)("crash safety (PostgreSQL)", () => {
  let ctx: TestContext;
  const secretKey = randomBytes(32);
  const received: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received.push(String(req.headers["webhook-id"]));
      // a little latency, so a kill lands while sends are in flight
      setTimeout(() => res.writeHead(204).end(), 3);
    });
  });

  beforeAll(async () => {
    ctx = await createTestContext({ keys: await createKeys(secretKey) });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await ctx.close();
  });

  it("a dispatcher SIGKILLed mid-batch of 1,000 and restarted delivers every notification", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/crash`;
    const now = ctx.clock.now().toISOString();
    const [ch] = await rows<{ id: string }>(
      ctx.database.db,
      sql`insert into channels (user_id, type, target, fingerprint, secret_enc, status, verified_at, created_at, updated_at)
        values (${u.id}, 'webhook', ${url}, ${await channelFingerprint("webhook", url)},
                ${await sealSecret(ctx.deps.keys, { url, signing_secret: newSigningSecret() })}, 'active', ${now}, ${now}, ${now})
        returning id`,
    );
    const ids = await rows<{ id: string }>(
      ctx.database.db,
      sql`insert into notifications (user_id, channel_id, kind, status, next_attempt_at, created_at, updated_at, payload)
        select ${u.id}, ${ch.id}, 'test', 'pending', now(), now(), now(), '{}'::jsonb from generate_series(1, ${N})
        returning id`,
    );
    const want = new Set(ids.map((r) => r.id));

    const first = await startDispatcher(toHex(secretKey));
    expect(await until(() => received.length >= 150, 30_000)).toBe(true);
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    const atKill = new Set(received).size;
    expect(atKill).toBeLessThan(N); // it really died mid-way

    const second = await startDispatcher(toHex(secretKey));
    try {
      const done = await until(async () => {
        const [r] = await rows<{ n: number }>(
          ctx.database.db,
          sql`select count(*)::int as n from notifications where channel_id = ${ch.id} and status = 'sent'`,
        );
        return r.n === N;
      }, 60_000);
      expect(done).toBe(true);
    } finally {
      second.kill("SIGTERM");
      await new Promise((r) => second.once("exit", r));
    }
    const unique = new Set(received.filter((id) => want.has(id)));
    expect(unique.size).toBe(N);
    // at-least-once: anything sent twice was in flight when the first process died
    expect(received.length - unique.size).toBeLessThanOrEqual(50);
  }, 120_000);
});
