import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifications } from "../../src/db/schema";
import type { Keys } from "../../src/lib/crypto";
import { verifyWebhook } from "../fakes/webhook-receiver";
import { api, bodyOf, createTestContext, createUser, type TestContext } from "../helpers/app";
import { createDelivery, type Providers, startProviders } from "../helpers/delivery";

/** The dispatcher opens each channel's secret once per claimed batch, not once per message. */
let ctx: TestContext;
let providers: Providers;
beforeAll(async () => {
  ctx = await createTestContext({ allowPrivateWebhooks: true });
  providers = await startProviders();
});
afterAll(async () => {
  await providers.close();
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
      const res = await api(ctx, u.key).v1.channels.$post({ json: { type: "webhook", url: `${providers.receiver.url}${path}` } });
      const created = await bodyOf(res, 201);
      hooks.push({ id: created.id, secret: created.signing_secret ?? "", path });
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
    const { dispatcher } = createDelivery(ctx, providers, { keys, batchSize: 50 });
    expect(await dispatcher.runOnce()).toBe(6);
    expect(counter.decrypts).toBe(2);

    const sent = await ctx.database.db.select().from(notifications).where(inArray(notifications.id, ids));
    expect(sent.map((n) => n.status)).toEqual(Array(6).fill("sent"));
    for (const h of hooks) {
      const got = providers.receiver.hits(h.path);
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
