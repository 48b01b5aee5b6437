import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { WebhookPayload } from "../../src/delivery/types";
import type { ChangeEvent } from "../../src/lib/event-schema";
import type { ChangeSummary, DigestContent, ElsewhereItem } from "../../src/lib/messages";
import type { Severity } from "../../src/lib/tiers";
import { verifyWebhook } from "../fakes/webhook-receiver";
import { call, createTestContext, createUser, postEvent, type TestContext, type TestUser, uniq, watch } from "../helpers/app";
import { createDelivery, type Delivery, type Providers, startProviders } from "../helpers/delivery";
import { freshEvent } from "../helpers/events";

/**
 * "How other platforms handle this" (contract: `elsewhere` on each change for Watcher and
 * Professional), through the real ingest, fan-out, dispatcher and the fake providers. Every test
 * uses categories of its own, so other tests' events never count as comparisons.
 */
let ctx: TestContext;
let p: Providers;
let d: Delivery;

beforeAll(async () => {
  ctx = await createTestContext({ allowPrivateWebhooks: true });
  p = await startProviders();
});
afterAll(async () => {
  await p.close();
  await ctx.close();
});
beforeEach(() => {
  d = createDelivery(ctx, p);
});

/** A stored change of `platform` in `category`: one provision, the given severity, its own wording. */
function changeOn(platform: string, category: string, severity: Severity, over: { provision?: string; after?: string } = {}) {
  const e = freshEvent("03-netflix-ai-prohibition", { platformSlug: platform, severity });
  e.platform.name = `Platform ${platform}`;
  e.changes = [
    {
      ...e.changes[0],
      provision: { slug: over.provision ?? "prohibited-ai-uses", title: "Prohibited Uses: Machine Learning" },
      severity,
      categories: [category],
      after: over.after ?? `${platform} says: no training on our content (${severity}).`,
    },
  ];
  return e;
}

async function store(e: ChangeEvent) {
  ctx.clock.advance(1000); // distinct arrival times: "latest" has a meaning
  const r = await postEvent(ctx, e);
  expect(r.status).toBe(202);
}

async function watcher(platform: string, tier: "watcher" | "professional" | "free" = "watcher") {
  const u = await createUser(ctx, { tier });
  if (tier !== "free") {
    const res = await call(ctx, "PATCH", "/v1/me", { token: u.key, body: { alerts: { window_minutes: 0 } } });
    expect(res.status).toBe(200);
  }
  await watch(ctx, u, { platform });
  return u;
}

async function addWebhook(u: TestUser, path: string) {
  const res = await call(ctx, "POST", "/v1/channels", {
    token: u.key,
    body: { type: "webhook", url: `${p.receiver.url}${path}` },
  });
  expect(res.status).toBe(201);
  return res.json.signing_secret as string;
}

const bodies = (path: string, secret: string) => p.receiver.hits(path).map((h) => verifyWebhook(h, secret) as WebhookPayload);
const emailTo = (u: TestUser) =>
  p.resend.emails.filter((e) => e.to === u.email || (Array.isArray(e.to) && e.to.includes(u.email)));

describe("elsewhere on an alert", () => {
  it("carries up to 3 other platforms sharing a category, most severe first, in the webhook body, email and Slack", async () => {
    const cat = uniq("cat");
    const mine = uniq("mine");
    const [low, crit, med, high] = [uniq("low"), uniq("crit"), uniq("med"), uniq("high")];
    // "high" once said critical, then softened: only its latest change of that provision counts
    await store(changeOn(high, cat, "critical", { after: "old wording" }));
    await store(changeOn(low, cat, "low"));
    await store(changeOn(crit, cat, "critical"));
    await store(changeOn(med, cat, "medium"));
    await store(changeOn(high, cat, "high"));
    await store(changeOn(mine, cat, "critical", { provision: "own-older-change" })); // same platform: never a comparison
    await store(changeOn(uniq("unrelated"), uniq("cat"), "critical")); // no shared category

    const u = await watcher(mine);
    const secret = await addWebhook(u, `/elsewhere-${mine}`);
    const slackChannel = `#${mine}`;
    const slack = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "slack", bot_token: "xoxb-1234567890-abcdefghij", channel: slackChannel },
    });
    expect(slack.status).toBe(201);

    const ev = changeOn(mine, cat, "high", { provision: "training" });
    await store(ev);
    while ((await d.dispatcher.runOnce()) > 0) {}

    const [body] = bodies(`/elsewhere-${mine}`, secret);
    expect(body.type).toBe("alert");
    const [summary] = (body.data as { events: ChangeSummary[] }).events;
    expect(summary.id).toBe(ev.id);
    const elsewhere = summary.changes[0].elsewhere as ElsewhereItem[];
    expect(elsewhere.map((x) => [x.platform.slug, x.severity])).toEqual([
      [crit, "critical"],
      [high, "high"],
      [med, "medium"],
    ]);
    const first = elsewhere[0];
    expect(Object.keys(first).sort()).toEqual(["document", "event_id", "excerpt", "platform", "provision", "severity"]);
    expect(first.platform).toEqual({ slug: crit, name: `Platform ${crit}` });
    expect(first.document).toEqual({
      slug: "netflix-terms-of-use",
      title: "Netflix Terms of Use",
      url: "https://help.netflix.com/legal/termsofuse",
    });
    expect(first.provision).toEqual({ slug: "prohibited-ai-uses", title: "Prohibited Uses: Machine Learning" });
    expect(first.excerpt).toBe(`${crit} says: no training on our content (critical).`);
    expect(elsewhere[1].excerpt).not.toContain("old wording");

    const [email] = emailTo(u);
    expect(email?.html).toContain("How other platforms handle this");
    expect(email?.text).toContain(`Platform ${crit}`);
    expect(email?.text).toContain(`${crit} says: no training on our content (critical).`);
    expect(email?.text).not.toContain(`Platform ${low}`);

    const posted = p.slack.messages.find((m) => m.channel === slackChannel);
    const slackText = JSON.stringify(posted?.blocks ?? []);
    expect(slackText).toContain("How other platforms handle this");
    expect(slackText).toContain(`Platform ${crit}`);
    expect(slackText).not.toContain(`Platform ${low}`);
    expect(posted?.blocks?.length).toBeLessThanOrEqual(50);
  });

  it("is an empty array when no other platform shares a category", async () => {
    const mine = uniq("alone");
    const u = await watcher(mine);
    const secret = await addWebhook(u, `/elsewhere-${mine}`);
    await store(changeOn(mine, uniq("cat"), "medium"));
    while ((await d.dispatcher.runOnce()) > 0) {}
    const [body] = bodies(`/elsewhere-${mine}`, secret);
    const [summary] = (body.data as { events: ChangeSummary[] }).events;
    expect(summary.changes[0].elsewhere).toEqual([]);
    const [email] = emailTo(u);
    expect(email?.html).not.toContain("How other platforms handle this");
  });
});

describe("elsewhere in a digest", () => {
  it("a watcher's digest carries it; a free user's does not", async () => {
    ctx.clock.set("2020-06-03T12:00:00Z"); // a Wednesday, years away from the alert tests' events
    const cat = uniq("cat");
    const mine = uniq("dig");
    const other = uniq("other");
    const w = await watcher(mine, "watcher");
    const free = await watcher(mine, "free");
    const secret = await addWebhook(w, `/elsewhere-digest-${mine}`);
    await store(changeOn(other, cat, "medium")); // below "high": not one of the week's highlights
    await store(changeOn(mine, cat, "medium"));
    while ((await d.dispatcher.runOnce()) > 0) {} // the watcher's alerts

    ctx.clock.set("2020-06-08T09:00:30Z"); // the Monday after, past both users' digest hour
    const run = await call(ctx, "POST", "/v1/admin/jobs/digests", {
      token: ctx.adminToken,
      body: { now: ctx.clock.now().toISOString() },
    });
    expect(run.status).toBe(200);
    while ((await d.dispatcher.runOnce()) > 0) {}

    const digest = bodies(`/elsewhere-digest-${mine}`, secret).find((b) => b.type === "digest");
    const data = digest?.data as Omit<DigestContent, "kind">;
    const elsewhere = data.watchlist[0].changes[0].elsewhere ?? [];
    expect(elsewhere.map((x) => x.platform.slug)).toEqual([other]);

    const freeDigest = emailTo(free).find((e) => /weekly digest/.test(e.subject ?? ""));
    expect(freeDigest).toBeDefined();
    expect(freeDigest?.subject).toBe("Your clausewatch weekly digest: 1 change, 1 platform");
    expect(freeDigest?.html).not.toContain("How other platforms handle this");
    expect(freeDigest?.html).not.toContain(`Platform ${other}`);
    const watcherDigest = emailTo(w).find((e) => /weekly digest/.test(e.subject ?? ""));
    expect(watcherDigest?.html).toContain("How other platforms handle this");
  });
});
