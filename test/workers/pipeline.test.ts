import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker";
import type { DeliveryMessage, FanoutMessage } from "../../src/worker/bindings";
import fixture from "../fixtures/events/01-anthropic-ai-training.json";
import { createUser, env, postEvent, request, sql, uniq } from "./helpers";

interface Received {
  path: string;
  headers: Record<string, string>;
  raw: string;
}

const received = async (path: string): Promise<Received[]> =>
  (await fetch(`${env.RECEIVER_URL}/_received?path=${encodeURIComponent(path)}`)).json();

const message = <Body>(body: Body, attempts = 1) => ({ id: uniq("msg"), timestamp: new Date(), attempts, body });

/** A watcher whose alerts leave at once, watching a platform of its own, with a webhook channel. */
async function watcherWithWebhook(platform: string, prefix = "/hook") {
  const u = await createUser({ tier: "watcher" });
  expect((await request("PATCH", "/v1/me", { token: u.key, body: { alerts: { window_minutes: 0 } } })).status).toBe(200);
  expect((await request("POST", "/v1/watchlist", { token: u.key, body: { platform } })).status).toBe(201);
  const path = `${prefix}/${uniq()}`;
  const hook = await request("POST", "/v1/channels", {
    token: u.key,
    body: { type: "webhook", url: `${env.RECEIVER_URL}${path}` },
  });
  expect(hook.status).toBe(201);
  return { user: u, path, channelId: hook.json.id as string, secret: hook.json.signing_secret as string };
}

describe("ingest → fan-out queue → delivery queue → webhook, inside workerd", () => {
  it("a signed event is accepted, fanned out by the queue consumer and delivered to the receiver", async () => {
    const platform = uniq("anthropic");
    const w = await watcherWithWebhook(platform);
    const event = { ...structuredClone(fixture), id: uniq("evt"), platform: { ...fixture.platform, slug: platform } };

    const posted = await postEvent(event);
    expect(posted.status).toBe(202);
    expect(posted.json).toMatchObject({ event_id: event.id, duplicate: false, status: "accepted" });
    // a repeat is a duplicate, as on Node
    expect((await postEvent(event)).status).toBe(200);

    // The fan-out consumer, handed the message ingest enqueued (the queue's own delivery of it
    // may race this call: the advisory lock and the fanned_out_at mark make that harmless).
    const fanout = createMessageBatch<FanoutMessage>("clausewatch-fanout", [message({ event_id: event.id })]);
    const fctx = createExecutionContext();
    await worker.queue(fanout, env);
    expect((await getQueueResult(fanout, fctx)).ackAll).toBe(true);

    const db = sql();
    const [e] = await db`select matched_users, alerts from events where id = ${event.id}`;
    expect(e).toMatchObject({ matched_users: 1, alerts: 2 }); // the account email and the webhook
    const rows = await db`select n.id, c.type from notifications n join channels c on c.id = n.channel_id
      where n.user_id = ${w.user.id} and n.kind = 'alert' order by c.type`;
    expect(rows.map((r) => r.type)).toEqual(["email", "webhook"]);
    const hookRow = rows.find((r) => r.type === "webhook") as { id: string };

    // The delivery consumer claims exactly the ids its messages carry.
    const delivery = createMessageBatch<DeliveryMessage>(
      "clausewatch-delivery",
      rows.map((r) => message({ notification_id: r.id as string })),
    );
    const dctx = createExecutionContext();
    await worker.queue(delivery, env);
    await getQueueResult(delivery, dctx);

    const got = await received(w.path);
    expect(got).toHaveLength(1);
    expect(got[0].headers["webhook-id"]).toBe(hookRow.id);
    const body = new Webhook(w.secret).verify(got[0].raw, {
      "webhook-id": got[0].headers["webhook-id"],
      "webhook-timestamp": got[0].headers["webhook-timestamp"],
      "webhook-signature": got[0].headers["webhook-signature"],
    }) as { type: string; data: { events: { id: string }[] } };
    expect(body.type).toBe("alert");
    expect(body.data.events.map((x) => x.id)).toEqual([event.id]);

    const after = await db`select c.type, n.status, n.attempts, n.last_error from notifications n
      join channels c on c.id = n.channel_id where n.user_id = ${w.user.id} and n.kind = 'alert' order by c.type`;
    expect(after[1]).toMatchObject({ type: "webhook", status: "sent", attempts: 1 });
    // no RESEND_API_KEY in a Worker: emails wait (held), no attempt spent, nothing failed
    expect(after[0]).toMatchObject({ type: "email", status: "pending", attempts: 0 });
    expect(after[0].last_error).toMatch(/^held: no RESEND_API_KEY/);

    // a second wake-up for a row already sent claims nothing and sends nothing
    const again = createMessageBatch<DeliveryMessage>("clausewatch-delivery", [message({ notification_id: hookRow.id })]);
    await worker.queue(again, env);
    expect(await received(w.path)).toHaveLength(1);
  });
});

describe("retries on the outbox's schedule", () => {
  it("a receiver answering 500 leaves the row pending for the next step, and the message is retried then", async () => {
    const platform = uniq("anthropic");
    // the receiver answers 500 on /fail/…
    const w = await watcherWithWebhook(platform, "/fail");
    const db = sql();
    const event = { ...structuredClone(fixture), id: uniq("evt"), platform: { ...fixture.platform, slug: platform } };
    expect((await postEvent(event)).status).toBe(202);
    await worker.queue(createMessageBatch<FanoutMessage>("clausewatch-fanout", [message({ event_id: event.id })]), env);
    const [row] = await db`select id from notifications where channel_id = ${w.channelId}`;

    const batch = createMessageBatch<DeliveryMessage>("clausewatch-delivery", [message({ notification_id: row.id })]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    const [after] = await db`select status, attempts, next_attempt_at, last_error from notifications where id = ${row.id}`;
    // the outbox's second step is 5 s (±20 %): the message comes back then, not at once
    expect(after).toMatchObject({ status: "pending", attempts: 1, last_error: "webhook receiver answered 500" });
    const wait = new Date(after.next_attempt_at).getTime() - Date.now();
    expect(wait).toBeGreaterThan(2_000);
    expect(result.retryMessages).toHaveLength(1);
    expect(result.explicitAcks).toHaveLength(0);
    expect(await received(w.path)).toHaveLength(1);
  });
});

describe("the cron trigger", () => {
  it("plans due digests and queues them", async () => {
    const u = await createUser({ tier: "watcher" });
    const db = sql();
    await db`update users set next_digest_at = now() - interval '1 minute', digest_send_when_empty = true where id = ${u.id}`;
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: "* * * * *" }), env, ctx);
    const [user] = await db`select next_digest_at from users where id = ${u.id}`;
    expect(new Date(user.next_digest_at).getTime()).toBeGreaterThan(Date.now());
    const digests = await db`select id from digests where user_id = ${u.id}`;
    expect(digests).toHaveLength(1);
    const queued = await db`select kind from notifications where user_id = ${u.id} and digest_id = ${digests[0].id}`;
    expect(queued.map((n) => n.kind)).toEqual(["digest"]);
    const [run] = await db`select finished_at from job_runs where name = 'digests' order by slot desc limit 1`;
    expect(run.finished_at).not.toBeNull();
  });
});
