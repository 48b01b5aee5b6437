import { describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  addWebhook,
  call,
  createUser,
  expectError,
  fannedOut,
  freshEvent,
  type Json,
  postEvent,
  uniq,
  watch,
} from "./client";

/** Core contract over real HTTP: health, the operator and user APIs, errors, ingest, isolation, limits. */

describe("health", () => {
  it("/healthz is up and /readyz reaches PostgreSQL", async () => {
    const health = await call("GET", "/healthz");
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: "ok" });
    const ready = await call("GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: "ok", database: "postgres" });
    expect(ready.headers.get("x-request-id")).toEqual(expect.any(String));
  });
});

describe("the contract document", () => {
  it("/openapi.json describes the API the service serves", async () => {
    const doc = await call("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toBe("3.1.0");
    const paths = doc.json.paths as Record<string, Record<string, unknown>>;
    for (const [path, method] of [
      ["/v1/events", "post"],
      ["/v1/admin/users", "post"],
      ["/v1/admin/events/{id}", "get"],
      ["/v1/admin/jobs/digests", "post"],
      ["/v1/watchlist", "post"],
      ["/v1/channels", "post"],
      ["/v1/notifications", "get"],
    ]) {
      expect(paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });
});

describe("operator and user API", () => {
  it("the operator creates a user, whose API key is theirs alone and who starts with the account email channel", async () => {
    expectError(await call("POST", "/v1/admin/users", { body: { email: "x@example.com" } }), 401, "unauthorized");
    const email = `${uniq("op")}@example.com`;
    const created = await call("POST", "/v1/admin/users", {
      token: ADMIN_TOKEN,
      body: { email, tier: "watcher", timezone: "Europe/Berlin" },
    });
    expect(created.status, created.text).toBe(201);
    const user = created.json.user as Json;
    expect(user).toMatchObject({ id: expect.any(String), email, tier: "watcher", timezone: "Europe/Berlin" });
    const key = created.json.api_key as string;
    expect(key).toEqual(expect.any(String));

    const me = await call("GET", "/v1/me", { token: key });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ id: user.id, email, tier: "watcher" });
    const fetched = await call("GET", `/v1/admin/users/${user.id}`, { token: ADMIN_TOKEN });
    expect(fetched.json).toMatchObject({ id: user.id, email });
    // the operator token is not a user key, and a user key is not the operator token
    expectError(await call("GET", "/v1/me", { token: ADMIN_TOKEN }), 401, "unauthorized");
    expectError(await call("GET", `/v1/admin/users/${user.id}`, { token: key }), 401, "unauthorized");

    const channels = await call("GET", "/v1/channels", { token: key });
    expect(channels.status).toBe(200);
    expect(channels.json.items).toEqual([expect.objectContaining({ type: "email", target: email, status: "active" })]);
  });

  it("a watch is created, read, changed and deleted", async () => {
    const u = await createUser({ tier: "watcher" });
    const platform = uniq("crud");
    const created = await watch(u, { platform, min_severity: "medium" });
    expect(created).toMatchObject({ id: expect.stringMatching(/^wat_/), platform, min_severity: "medium", paused: false });
    const path = `/v1/watchlist/${created.id}`;
    expect((await call("GET", path, { token: u.key })).json).toEqual(created);
    const patched = await call("PATCH", path, { token: u.key, body: { min_severity: "high" } });
    expect(patched.status).toBe(200);
    expect(patched.json).toEqual({ ...created, min_severity: "high" });
    expect((await call("GET", "/v1/watchlist", { token: u.key })).json).toEqual({
      items: [patched.json],
      next_cursor: null,
    });
    expect((await call("DELETE", path, { token: u.key })).status).toBe(204);
    expectError(await call("GET", path, { token: u.key }), 404, "not_found");
  });

  it("the operator's downgrade pauses what the lower tier does not allow, and the upgrade resumes it", async () => {
    const u = await createUser({ tier: "watcher" });
    const hook = await addWebhook(u, `https://hooks.example.com/${uniq("tier")}`);
    const first = await watch(u, { platform: uniq("tier-a") });
    const second = await watch(u, { platform: uniq("tier-b") });
    const down = await call("PATCH", `/v1/admin/users/${u.id}`, { token: ADMIN_TOKEN, body: { tier: "free" } });
    expect(down.status, down.text).toBe(200);
    expect(down.json).toMatchObject({ id: u.id, tier: "free", effective_tier: "free" });
    expect((await call("GET", `/v1/channels/${hook.id}`, { token: u.key })).json).toMatchObject({
      status: "paused",
      status_reason: "tier_limit",
    });
    // free watches one platform: the oldest stays active
    expect((await call("GET", `/v1/watchlist/${first.id}`, { token: u.key })).json).toMatchObject({ paused: false });
    expect((await call("GET", `/v1/watchlist/${second.id}`, { token: u.key })).json).toMatchObject({
      paused: true,
      paused_reason: "tier_limit",
    });
    const up = await call("PATCH", `/v1/admin/users/${u.id}`, { token: ADMIN_TOKEN, body: { tier: "watcher" } });
    expect(up.json).toMatchObject({ tier: "watcher" });
    expect((await call("GET", `/v1/channels/${hook.id}`, { token: u.key })).json).toMatchObject({ status: "active" });
    expect((await call("GET", `/v1/watchlist/${second.id}`, { token: u.key })).json).toMatchObject({ paused: false });
  });

  it("bad input answers 4xx in the error shape, naming what is wrong", async () => {
    const u = await createUser({ tier: "watcher" });
    expectError(await call("GET", "/v1/watchlist"), 401, "unauthorized");
    expectError(await call("GET", "/v1/watchlist", { token: `cw_${uniq()}` }), 401, "unauthorized");
    const upper = expectError(
      await call("POST", "/v1/watchlist", { token: u.key, body: { platform: "Upper Case" } }),
      400,
      "invalid_request",
    );
    expect(upper.message).toContain("platform");
    const extra = expectError(
      await call("POST", "/v1/watchlist", { token: u.key, body: { platform: "ok", colour: "red" } }),
      400,
      "invalid_request",
    );
    expect(extra.message).toContain("colour");
    expectError(
      await call("POST", "/v1/watchlist", { token: u.key, raw: "{not json", headers: { "content-type": "application/json" } }),
      400,
      "invalid_request",
    );
    expectError(await call("PATCH", "/v1/me", { token: u.key, body: { timezone: "Mars/Olympus" } }), 400, "invalid_request");
    expectError(await call("GET", "/v1/no-such-route", { token: u.key }), 404, "not_found");
    // a free user may not add a webhook: the tier says so before the URL is looked at
    const free = await createUser({ tier: "free" });
    expectError(
      await call("POST", "/v1/channels", { token: free.key, body: { type: "webhook", url: "https://hooks.example.com/x" } }),
      403,
      "tier_limit",
    );
    // an identical watch is a conflict
    await watch(u, { platform: "dup-platform" });
    expectError(await call("POST", "/v1/watchlist", { token: u.key, body: { platform: "dup-platform" } }), 409, "conflict");
  });
});

describe("ingest", () => {
  it("refuses unsigned, badly signed and stale events with 401, and a signed malformed one with 400", async () => {
    const e = freshEvent("02-ideogram-training");
    expectError(await postEvent(e, { signature: null }), 401, "unauthorized");
    expectError(await postEvent(e, { signature: "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }), 401, "unauthorized");
    expectError(await postEvent(e, { secret: "whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZw==" }), 401, "unauthorized");
    expectError(await postEvent(e, { timestamp: new Date(Date.now() - 10 * 60_000) }), 401, "unauthorized");
    const bad = expectError(await postEvent({ ...e, severity: "apocalyptic" }), 400, "invalid_request");
    expect(bad.message).toContain("severity");
    expectError(await postEvent(null, { raw: "{not json" }), 400, "invalid_request");
    // over 1 MiB: refused before it is read
    expectError(await postEvent(null, { raw: `{"pad":"${"x".repeat(1_100_000)}"}` }), 413, "payload_too_large");
    // none of those was stored
    expectError(await call("GET", `/v1/admin/events/${e.id}`, { token: ADMIN_TOKEN }), 404, "not_found");
  });

  it("a signed event is accepted (202), a repeat is a duplicate (200), and the fan-out's counts show up", async () => {
    const e = freshEvent("01-anthropic-ai-training");
    const free = await createUser({ tier: "free" });
    const watcher = await createUser({ tier: "watcher" });
    const bystander = await createUser({ tier: "watcher" });
    await watch(free, { platform: e.platform.slug });
    await watch(watcher, { platform: e.platform.slug });
    await watch(bystander, { platform: uniq("elsewhere") });

    const posted = await postEvent(e);
    expect(posted.status, posted.text).toBe(202);
    expect(posted.json).toEqual({ event_id: e.id, duplicate: false, status: "accepted" });
    const again = await postEvent({ ...e, summary: "another text under the same id" });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ event_id: e.id, duplicate: true });

    // free: a digest item only; watcher: a digest item and an alert on the account email
    const fan = await fannedOut(e.id);
    expect(fan).toMatchObject({ matched_users: 2, alerts: 1, digest_items: 2 });
    expect(Date.parse(fan.fanned_out_at)).not.toBeNaN();
    const listed = await call("GET", `/v1/admin/events?platform=${e.platform.slug}`, { token: ADMIN_TOKEN });
    expect((listed.json.items as Json[]).map((x) => x.id)).toEqual([e.id]);
    // the catalog grew from the event
    const catalog = await call("GET", "/v1/catalog/platforms?limit=200", { token: watcher.key });
    const entry = (catalog.json.items as { slug: string; documents: { slug: string }[] }[]).find(
      (p) => p.slug === e.platform.slug,
    );
    expect(entry?.documents.map((d) => d.slug)).toEqual([e.document.slug]);
  });
});

describe("tenant isolation", () => {
  it("another user's API key cannot see, change or delete the first user's channels and watches", async () => {
    const a = await createUser({ tier: "watcher" });
    const b = await createUser({ tier: "watcher" });
    const hook = await addWebhook(a, `https://hooks.example.com/${uniq("a")}`);
    const aWatch = await watch(a, { platform: uniq("tenancy") });
    await watch(b, { platform: uniq("tenancy-b") });

    for (const [method, path, body] of [
      ["GET", `/v1/channels/${hook.id}`, undefined],
      ["PATCH", `/v1/channels/${hook.id}`, { enabled: false }],
      ["DELETE", `/v1/channels/${hook.id}`, undefined],
      ["POST", `/v1/channels/${hook.id}/test`, undefined],
      ["GET", `/v1/watchlist/${aWatch.id}`, undefined],
      ["DELETE", `/v1/watchlist/${aWatch.id}`, undefined],
    ] as const) {
      expectError(await call(method, path, { token: b.key, body }), 404, "not_found");
    }
    const theirs = await call("GET", "/v1/channels?limit=200", { token: b.key });
    expect((theirs.json.items as Json[]).map((c) => c.target)).toEqual([b.email]);

    const mine = await call("GET", `/v1/channels/${hook.id}`, { token: a.key });
    expect(mine.status).toBe(200);
    expect(mine.json).toMatchObject({ id: hook.id, type: "webhook", status: "active" });
    expect(mine.json.signing_secret).toBeUndefined();
    expect((await call("GET", `/v1/watchlist/${aWatch.id}`, { token: a.key })).json).toEqual(aWatch);
  });
});

describe("rate limits", () => {
  it("a public page answers 429 rate_limited with Retry-After once the address's budget is spent", async () => {
    const page = () => call("GET", `/signup/confirm?token=${uniq("not-a-token")}`);
    const first = await page();
    expect(first.status).toBe(400); // an unusable link: a page saying so, counted all the same
    const [, quota, window] = first.headers.get("ratelimit-policy")?.match(/^"public";q=(\d+);w=(\d+)$/) ?? [];
    expect(Number(quota)).toBeGreaterThan(0);
    const [, left] = first.headers.get("ratelimit")?.match(/^"public";r=(\d+);t=\d+$/) ?? [];
    expect(Number(left)).toBeLessThan(200); // keep the test cheap (the runner sets the budget to a few)
    for (let i = 0; i < Number(left); i++) expect((await page()).status).toBe(400);
    const limited = await page();
    expectError(limited, 429, "rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(Number(window));
    // the user API has its own budget, per key
    const u = await createUser();
    const me = await call("GET", "/v1/me", { token: u.key });
    expect(me.status).toBe(200);
    expect(me.headers.get("ratelimit-policy")).toMatch(/^"user";q=\d+;w=60$/);
  });
});
