import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/worker";
import type { DeliveryMessage, FanoutMessage } from "../../src/worker/bindings";
import fixture from "../fixtures/events/01-anthropic-ai-training.json";
import { createUser, env, postEvent, request, sql, uniq } from "./helpers";

const message = <Body>(body: Body) => ({ id: uniq("msg"), timestamp: new Date(), attempts: 1, body });

afterEach(() => {
  vi.restoreAllMocks();
});

describe("email without RESEND_API_KEY, inside workerd", () => {
  it("waits (held, no attempt spent) and says the Worker is not configured for email, not that credentials were refused", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const platform = uniq("anthropic");
    const u = await createUser({ tier: "watcher" });
    expect((await request("PATCH", "/v1/me", { token: u.key, body: { alerts: { window_minutes: 0 } } })).status).toBe(200);
    expect((await request("POST", "/v1/watchlist", { token: u.key, body: { platform } })).status).toBe(201);
    const event = { ...structuredClone(fixture), id: uniq("evt"), platform: { ...fixture.platform, slug: platform } };
    expect((await postEvent(event)).status).toBe(202);
    await worker.queue(createMessageBatch<FanoutMessage>("clausewatch-fanout", [message({ event_id: event.id })]), env);

    const db = sql();
    const [row] = await db`select id from notifications where user_id = ${u.id} and kind = 'alert'`;
    const batch = createMessageBatch<DeliveryMessage>("clausewatch-delivery", [message({ notification_id: row.id })]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    await getQueueResult(batch, ctx);

    const [after] = await db`select status, attempts, last_error from notifications where id = ${row.id}`;
    expect(after).toMatchObject({ status: "pending", attempts: 0 });
    expect(after.last_error).toMatch(/^held: no RESEND_API_KEY/);
    const logged = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { level: string; msg: string });
    expect(logged.filter((l) => /credentials/.test(l.msg))).toEqual([]);
    expect(logged.filter((l) => l.level === "error")).toEqual([]);
    expect(logged.filter((l) => l.msg.startsWith("email is not configured"))).toEqual([
      expect.objectContaining({ level: "warn" }),
    ]);
  });
});
