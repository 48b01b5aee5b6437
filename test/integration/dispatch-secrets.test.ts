import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifications } from "../../src/db/schema";
import { createDispatcher } from "../../src/delivery/dispatcher";
import { createMetrics } from "../../src/delivery/metrics";
import { createChannels } from "../../src/delivery/setup";
import type { Keys } from "../../src/lib/crypto";
import { type FakeWebhookReceiver, startWebhookReceiver, verifyWebhook } from "../fakes/webhook-receiver";
import { call, createTestContext, createUser, type TestContext } from "../helpers/app";

/** The dispatcher opens each channel's secret once per claimed batch, not once per message. */
let ctx: TestContext;
let receiver: FakeWebhookReceiver;
beforeAll(async () => {
  ctx = await createTestContext({ allowPrivateWebhooks: true });
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver.close();
  await ctx.close();
});

/** The app's keys, counting decrypts (the real AES-GCM still runs). */
function countingKeys(keys: Keys) {
  const counter = { decrypts: 0 };
  const counted: Keys = {
    ...keys,
    decrypt: (c) => {
      counter.decrypts++;
      return keys.decrypt(c);
    },
  };
  return { keys: counted, counter };
}

describe("channel secrets in a claimed batch", () => {
  it("six messages to two webhook channels: two decrypts, every message signed with its channel's secret", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const hooks: { id: string; secret: string; path: string }[] = [];
    for (const path of ["/secrets/a", "/secrets/b"]) {
      const res = await call(ctx, "POST", "/v1/channels", {
        token: u.key,
        body: { type: "webhook", url: `${receiver.url}${path}` },
      });
      expect(res.status).toBe(201);
      hooks.push({ id: res.json.id as string, secret: res.json.signing_secret as string, path });
    }
    const now = ctx.clock.now();
    const rows = hooks.flatMap((h) =>
      Array.from({ length: 3 }, () => ({
        userId: u.id,
        channelId: h.id,
        kind: "test" as const,
        status: "pending" as const,
        nextAttemptAt: new Date(now.getTime() - 1000),
        createdAt: now,
        updatedAt: now,
      })),
    );
    const ids = (await ctx.database.db.insert(notifications).values(rows).returning({ id: notifications.id })).map((r) => r.id);

    const { keys, counter } = countingKeys(ctx.deps.keys);
    const dispatcher = createDispatcher({
      database: ctx.database,
      channels: createChannels({
        publicUrl: ctx.deps.config.publicUrl,
        dataDir: "/nonexistent",
        emailFrom: "clausewatch <alerts@clausewatch.test>",
        allowPrivateWebhookTargets: true,
      }),
      keys,
      clock: ctx.clock,
      log: ctx.deps.log,
      metrics: createMetrics(),
      publicUrl: ctx.deps.config.publicUrl,
      batchSize: 50,
    });
    expect(await dispatcher.runOnce()).toBe(6);
    expect(counter.decrypts).toBe(2);

    const sent = await ctx.database.db.select().from(notifications).where(inArray(notifications.id, ids));
    expect(sent.map((n) => n.status)).toEqual(Array(6).fill("sent"));
    for (const h of hooks) {
      const got = receiver.hits(h.path);
      expect(got).toHaveLength(3);
      for (const r of got) expect(verifyWebhook(r, h.secret)).toMatchObject({ type: "test" });
    }

    // the next batch opens them again (nothing is cached across batches)
    await ctx.database.db
      .update(notifications)
      .set({ status: "pending", nextAttemptAt: new Date(now.getTime() - 1000) })
      .where(eq(notifications.channelId, hooks[0].id));
    expect(await dispatcher.runOnce()).toBe(3);
    expect(counter.decrypts).toBe(3);
  });
});
