import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeWebhookReceiver, startWebhookReceiver, verifyWebhook } from "../fakes/webhook-receiver";
import {
  ADMIN_TOKEN,
  addWebhook,
  call,
  createUser,
  eventually,
  expectError,
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
 * The weekly digest over real HTTP: the operator runs the planner (`POST /v1/admin/jobs/digests`
 * with a `now` past everyone's next digest) and the digest arrives by webhook and by email.
 * It plans for every user of the service, so its checks look only at this file's users.
 */

let receiver: FakeWebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.close());

describe("weekly digest", () => {
  it("the planner run by the operator builds one digest per user, delivered by webhook and email, never twice", async () => {
    const platform = uniq("platform");
    const watcher = await createUser({ tier: "watcher" });
    const free = await createUser({ tier: "free" });
    await watch(watcher, { platform });
    await watch(free, { platform });
    const path = `/digest/${uniq()}`;
    const hook = await addWebhook(watcher, `${receiver.url}${path}`);
    const e = freshEvent("04-windsurf-subprocessors", platform);
    expect((await postEvent(e)).status).toBe(202);
    expect(await fannedOut(e.id)).toMatchObject({ matched_users: 2, digest_items: 2 });

    // a week and a day ahead: every user's next digest (their weekday and hour) is due by then
    const now = new Date(Date.now() + 8 * 86_400_000).toISOString();
    expectError(await call("POST", "/v1/admin/jobs/digests", { body: { now } }), 401, "unauthorized");
    expectError(
      await call("POST", "/v1/admin/jobs/digests", { token: ADMIN_TOKEN, body: { now: "soon" } }),
      400,
      "invalid_request",
    );
    const run = await call("POST", "/v1/admin/jobs/digests", { token: ADMIN_TOKEN, body: { now } });
    expect(run.status, run.text).toBe(200);
    expect(run.json).toMatchObject({ users: expect.any(Number), digests: expect.any(Number), notifications: expect.any(Number) });
    expect(run.json.digests).toBeGreaterThanOrEqual(2);
    // the watcher's account email and webhook, the free user's account email
    expect(run.json.notifications).toBeGreaterThanOrEqual(3);

    const hit = await eventually("the digest webhook", async () => receiver.hits(path)[0]);
    const body = verifyWebhook(hit, hook.secret) as { type: string; data: Json };
    expect(body.type).toBe("digest");
    expect((body.data.watchlist as { id: string }[]).map((x) => x.id)).toEqual([e.id]);
    expect((body.data.period as { end: string }).end).toBe(now);

    const digestOf = (u: { email: string }) =>
      eventually(`the digest email to ${u.email}`, async () =>
        (await sentEmails(MAILBOX_URL)).find((m) => [m.to].flat().includes(u.email) && /weekly digest/.test(m.subject)),
      );
    const [toWatcher, toFree] = await Promise.all([digestOf(watcher), digestOf(free)]);
    for (const email of [toWatcher, toFree]) {
      expect(email.subject).toBe("Your clausewatch weekly digest: 1 change, 1 platform");
      expect(email.text).toContain(e.document.title);
      expect(email.headers?.["List-Unsubscribe"]).toMatch(/^<http/);
    }
    // watcher: structured summaries (each provision change); free: headlines only
    const provision = (e.changes as { provision: { title: string } }[])[0].provision.title;
    expect(toWatcher.text).toContain(provision);
    expect(toFree.text).not.toContain(provision);
    expect(toFree.text).toContain(e.summary);

    const mine = await eventually("the watcher's digests marked sent", async () => {
      const items = (await call("GET", "/v1/notifications?kind=digest", { token: watcher.key })).json.items as Json[];
      return items.length === 2 && items.every((n) => n.status === "sent") ? items : undefined;
    });
    expect(mine.map((n) => n.channel_id)).toContain(hook.id);

    // the period is closed: the same run again builds nothing for anyone, and sends nothing more
    const again = await call("POST", "/v1/admin/jobs/digests", { token: ADMIN_TOKEN, body: { now } });
    expect(again.json).toMatchObject({ digests: 0, notifications: 0 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(receiver.hits(path)).toHaveLength(1);
  });
});
