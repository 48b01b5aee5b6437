import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeWebhookReceiver, type ReceivedRequest, startWebhookReceiver, verifyWebhook } from "../fakes/webhook-receiver";
import {
  addWebhook,
  call,
  createUser,
  eventually,
  fannedOut,
  freshEvent,
  type Json,
  MAILBOX_URL,
  postEvent,
  uniq,
  watch,
} from "./client";
import { sentEmails } from "./mailbox";

/**
 * Delivery over real HTTP: the service sends to a webhook receiver this test listens with on
 * 127.0.0.1 (the service runs with ALLOW_PRIVATE_WEBHOOK_TARGETS=true) and to the local Resend
 * (RESEND_BASE_URL), and the suite checks what arrived and what the API says about it.
 */

interface WebhookBody {
  type: string;
  id: string;
  created_at: string;
  data: Json;
}

let receiver: FakeWebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());

const arrived = (path: string, type: string, secret: string) =>
  eventually(`a ${type} webhook at ${path}`, async () => {
    const hits = receiver.hits(path).filter((h) => (verifyWebhook(h, secret) as WebhookBody).type === type);
    return hits.length ? hits : undefined;
  });

/** A watcher whose alerts leave at once, watching a platform of its own, with a webhook channel. */
async function watcherWithWebhook() {
  const platform = uniq("platform");
  const user = await createUser({ tier: "watcher" }, { alertsAtOnce: true });
  await watch(user, { platform });
  const path = `/hooks/${uniq()}`;
  const hook = await addWebhook(user, `${receiver.url}${path}`);
  return { user, platform, path, hook };
}

describe("alerts", () => {
  it("a matching event reaches the user's webhook, signed with the channel's Standard Webhooks secret", async () => {
    const w = await watcherWithWebhook();
    const e = freshEvent("01-anthropic-ai-training", w.platform);
    expect((await postEvent(e)).status).toBe(202);
    // the account email and the webhook
    expect(await fannedOut(e.id)).toMatchObject({ matched_users: 1, alerts: 2, digest_items: 1 });

    const [hit, ...more] = await arrived(w.path, "alert", w.hook.secret);
    expect(more).toHaveLength(0);
    expect(hit.method).toBe("POST");
    expect(hit.headers["content-type"]).toBe("application/json");
    const body = verifyWebhook(hit, w.hook.secret) as WebhookBody;
    expect(body.id).toBe(hit.headers["webhook-id"]);
    const events = body.data.events as { id: string; platform: Json; severity: string }[];
    expect(events.map((x) => x.id)).toEqual([e.id]);
    expect(events[0]).toMatchObject({ severity: "high" });
    expect(JSON.stringify(body.data)).toContain(e.document.title);
    // another secret does not verify it
    const forged: ReceivedRequest = { ...hit, raw: hit.raw.replace(e.id, `${e.id}x`) };
    expect(() => verifyWebhook(forged, w.hook.secret)).toThrow();

    // the API tells the same story: the webhook's notification is sent, its id is the webhook-id
    const sent = await eventually("the webhook notification marked sent", async () => {
      const list = await call("GET", "/v1/notifications?kind=alert", { token: w.user.key });
      const items = list.json.items as Json[];
      const n = items.find((x) => x.channel_id === w.hook.id);
      return n?.status === "sent" ? n : undefined;
    });
    expect(sent).toMatchObject({ id: hit.headers["webhook-id"], event_ids: [e.id], attempts: 1, sent_at: expect.any(String) });
  });

  it("the same alert is emailed to the account address through the provider", async () => {
    const w = await watcherWithWebhook();
    const e = freshEvent("05-anthropic-arbitration", w.platform);
    expect((await postEvent(e)).status).toBe(202);
    const email = await eventually("the alert email", async () =>
      (await sentEmails(MAILBOX_URL)).find((m) => [m.to].flat().includes(w.user.email)),
    );
    expect(email.subject).toMatch(/^\[Critical\] /);
    expect(email.text).toContain(e.document.title);
    expect(email.html).toContain("<html");
    expect(email.headers?.["List-Unsubscribe"]).toMatch(/^<http/);
    expect(email.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    // recorded with the provider's message id
    const n = await eventually("the email notification marked sent", async () => {
      const items = (await call("GET", "/v1/notifications?kind=alert", { token: w.user.key })).json.items as Json[];
      return items.find((x) => x.provider_message_id === email.id && x.status === "sent");
    });
    expect(n.event_ids).toEqual([e.id]);
  });

  it("events inside the grouping window fold into one alert per channel", async () => {
    const platform = uniq("platform");
    const user = await createUser({ tier: "watcher" });
    // the default window (15 min) holds the alert back: both events join it, nothing is sent yet
    await watch(user, { platform });
    const a = freshEvent("01-anthropic-ai-training", platform);
    const b = freshEvent("05-anthropic-arbitration", platform);
    expect((await postEvent(a)).status).toBe(202);
    await fannedOut(a.id);
    expect((await postEvent(b)).status).toBe(202);
    expect(await fannedOut(b.id)).toMatchObject({ matched_users: 1, alerts: 1 });
    const items = (await call("GET", "/v1/notifications?kind=alert", { token: user.key })).json.items as Json[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ status: "pending", event_ids: [a.id, b.id].sort() });
  });

  it("a channel test is delivered to the webhook at once", async () => {
    const w = await watcherWithWebhook();
    const res = await call("POST", `/v1/channels/${w.hook.id}/test`, { token: w.user.key });
    expect(res.status, res.text).toBe(202);
    expect(res.json).toMatchObject({ kind: "test", channel_id: w.hook.id });
    const [hit] = await arrived(w.path, "test", w.hook.secret);
    expect(hit.headers["webhook-id"]).toBe(res.json.id);
  });

  it("a receiver answering 500 gets the alert again on the outbox's schedule, under the same webhook-id", async () => {
    // a receiver of its own: its scripted answers go to this test's requests only
    const own = await startWebhookReceiver();
    try {
      const platform = uniq("platform");
      const user = await createUser({ tier: "watcher" }, { alertsAtOnce: true });
      await watch(user, { platform });
      const hook = await addWebhook(user, `${own.url}/flaky`);
      own.script({ status: 500, body: "down for a moment" });
      const e = freshEvent("02-ideogram-training", platform);
      expect((await postEvent(e)).status).toBe(202);
      const failed = await eventually("the first attempt recorded", async () => {
        const items = (await call("GET", "/v1/notifications?kind=alert", { token: user.key })).json.items as Json[];
        return items.find((n) => n.channel_id === hook.id && n.attempts === 1 && n.status === "pending");
      });
      expect(failed.last_error).toBe("webhook receiver answered 500");
      // the second step is 5 s (±20 %): not at once, and well within a minute
      const wait = Date.parse(failed.next_attempt_at as string) - Date.now();
      expect(wait).toBeGreaterThan(2_000);
      expect(wait).toBeLessThan(7_000);
      const hits = await eventually("the retried alert", async () =>
        own.hits("/flaky").length >= 2 ? own.hits("/flaky") : undefined,
      );
      expect(hits).toHaveLength(2);
      expect(hits[1].at - hits[0].at).toBeGreaterThan(3_000);
      expect(hits[1].headers["webhook-id"]).toBe(hits[0].headers["webhook-id"]);
      expect((verifyWebhook(hits[1], hook.secret) as WebhookBody).type).toBe("alert");
      const sent = await eventually("the alert marked sent", async () => {
        const items = (await call("GET", "/v1/notifications?kind=alert", { token: user.key })).json.items as Json[];
        return items.find((n) => n.channel_id === hook.id && n.status === "sent");
      });
      expect(sent).toMatchObject({ attempts: 2, id: hits[0].headers["webhook-id"] });
    } finally {
      await own.close();
    }
  });

  it("a receiver answering 410 Gone fails the alert at once and disables the channel, with the reason", async () => {
    const own = await startWebhookReceiver();
    try {
      const platform = uniq("platform");
      const user = await createUser({ tier: "watcher" }, { alertsAtOnce: true });
      await watch(user, { platform });
      const hook = await addWebhook(user, `${own.url}/gone`);
      own.script({ status: 410, body: "endpoint removed" });
      const e = freshEvent("02-ideogram-training", platform);
      expect((await postEvent(e)).status).toBe(202);
      const failed = await eventually("the alert failed", async () => {
        const items = (await call("GET", "/v1/notifications?kind=alert", { token: user.key })).json.items as Json[];
        return items.find((n) => n.channel_id === hook.id && n.status === "failed");
      });
      expect(failed).toMatchObject({ status_reason: "permanent", attempts: 1, last_error: "webhook receiver answered 410 Gone" });
      const channel = await eventually("the channel disabled", async () => {
        const res = await call("GET", `/v1/channels/${hook.id}`, { token: user.key });
        return res.json.status === "disabled" ? res.json : undefined;
      });
      expect(channel.status_reason).toBe("webhook receiver answered 410 Gone");
      expect(own.hits("/gone")).toHaveLength(1);
    } finally {
      await own.close();
    }
  });

  it("a free user's match is a digest item, never an alert", async () => {
    const platform = uniq("platform");
    const free = await createUser({ tier: "free" }, { alertsAtOnce: true });
    await watch(free, { platform });
    const e = freshEvent("03-netflix-ai-prohibition", platform);
    expect((await postEvent(e)).status).toBe(202);
    expect(await fannedOut(e.id)).toMatchObject({ matched_users: 1, alerts: 0, digest_items: 1 });
    expect((await call("GET", "/v1/notifications", { token: free.key })).json.items).toEqual([]);
  });
});
