import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signToken } from "../../src/lib/tokens";
import { call, createTestContext, createUser, type TestContext, type TestUser } from "../helpers/app";

/*
 * Every HTML page carries the headers that keep its token-bearing URL and its buttons safe,
 * whichever route built it: a policy that runs nothing foreign and forbids framing, no framing,
 * no sniffing, no Referer to another site, no caching. JSON answers only gain `nosniff`.
 */
let ctx: TestContext;
let u: TestUser;
beforeAll(async () => {
  ctx = await createTestContext();
  u = await createUser(ctx, { tier: "watcher" });
});
afterAll(() => ctx.close());

type Answer = { status: number; headers: Headers; body: string };
const get = async (path: string, init?: RequestInit): Promise<Answer> => {
  const res = await ctx.app.request(path, init);
  return { status: res.status, headers: res.headers, body: await res.text() };
};

/** The headers every HTML page must carry; `referrer` is what this page may send. */
function expectPageHeaders(a: Answer, referrer: string[] = ["no-referrer"]) {
  expect(a.headers.get("content-type")).toMatch(/^text\/html/);
  const csp = a.headers.get("content-security-policy") ?? "";
  const directives = new Map(
    csp
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name, values] as const),
  );
  expect(directives.get("default-src")).toEqual(["'none'"]);
  expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
  expect(directives.get("base-uri")).toEqual(["'none'"]);
  expect(directives.get("form-action")).toEqual(["'self'"]);
  // script: none at all (default-src 'none'), or only this response's own, by nonce
  for (const v of directives.get("script-src") ?? []) expect(v).toMatch(/^'nonce-[A-Za-z0-9_-]+'$/);
  expect(csp).not.toMatch(/unsafe-eval|\*|https?:/);
  expect(a.headers.get("x-frame-options")).toBe("DENY");
  expect(a.headers.get("x-content-type-options")).toBe("nosniff");
  expect(referrer).toContain(a.headers.get("referrer-policy"));
  expect(a.headers.get("cache-control")).toContain("no-store");
}

/** An alert's unsubscribe link, signed as messages sign it. */
const unsubscribePath = async () => {
  const e = Math.floor(ctx.clock.now().getTime() / 1000) + 3600;
  return `/unsubscribe/${encodeURIComponent(await signToken(ctx.deps.keys, { p: "unsubscribe", s: u.id, e, x: "alerts" }))}`;
};

describe("HTML pages carry the security headers", () => {
  it("the unsubscribe page, with a valid token: no-referrer and the layout's nonce policy", async () => {
    const a = await get(await unsubscribePath());
    expect(a.status).toBe(200);
    expect(a.body).toContain("Stop receiving same-day alerts?");
    expectPageHeaders(a);
    // on the common layout: its one <style> runs by this response's nonce, nothing inline else
    const nonce = a.body.match(/<style nonce="([^"]+)"/)?.[1];
    expect(nonce).toBeTruthy();
    expect(a.headers.get("content-security-policy")).toContain(`style-src 'nonce-${nonce}'`);
    expect(a.headers.get("content-security-policy")).not.toContain("unsafe-inline");
    expect(a.body).not.toMatch(/<script|<link|<img|<iframe/);
    expect(a.body).toMatch(/<form method="post" action="\/unsubscribe\//);
  });

  it("the unsubscribe page with a damaged token (the expired-link page)", async () => {
    const a = await get("/unsubscribe/not-a-token");
    expect(a.status).toBe(400);
    expect(a.body).toContain("This link is not valid");
    expectPageHeaders(a);
  });

  it("the one-click unsubscribe answer (POST)", async () => {
    const a = await get(await unsubscribePath(), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(a.status).toBe(200);
    expect(a.body).toContain("Unsubscribed");
    expectPageHeaders(a);
  });

  it("the email confirmation page, valid and damaged; the layout's own nonce policy is kept", async () => {
    const address = `sec-${Date.now()}@example.com`;
    const created = await call(ctx, "POST", "/v1/channels", { token: u.key, body: { type: "email", address } });
    expect(created.status).toBe(201);
    const token = await signToken(ctx.deps.keys, {
      p: "verify-email",
      s: created.json.id as string,
      e: Math.floor(ctx.clock.now().getTime() / 1000) + 600,
    });
    const ok = await get(`/verify-email/${encodeURIComponent(token)}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain("Confirm your address");
    // the layout chose same-origin (its posts check Origin) and a nonce for its <style>
    expectPageHeaders(ok, ["same-origin"]);
    const nonce = ok.body.match(/<style nonce="([^"]+)"/)?.[1];
    expect(nonce).toBeTruthy();
    expect(ok.headers.get("content-security-policy")).toContain(`style-src 'nonce-${nonce}'`);

    const bad = await get("/verify-email/damaged");
    expect(bad.status).toBe(400);
    expectPageHeaders(bad, ["same-origin"]);
  });

  it("the preference page with a bad token", async () => {
    const a = await get("/preferences?token=damaged");
    expect(a.status).toBeGreaterThanOrEqual(400);
    expectPageHeaders(a, ["same-origin", "no-referrer"]);
  });

  it("/slack/install on a server without a Slack app", async () => {
    const a = await get("/slack/install?token=damaged");
    expect(a.status).toBe(404);
    expectPageHeaders(a, ["same-origin", "no-referrer"]);
  });

  it("/docs", async () => {
    const a = await get("/docs");
    expect(a.status).toBe(200);
    expectPageHeaders(a);
  });

  it("every GET page the OpenAPI document lists as HTML, with a made-up token", async () => {
    const doc = JSON.parse((await get("/openapi.json")).body) as {
      paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    const pages = Object.entries(doc.paths)
      .filter(([, ops]) => Object.values(ops.get?.responses ?? {}).some((r) => r.content?.["text/html"]))
      .map(([path]) => path.replace(/\{[^}]+\}/g, "made-up"));
    expect(pages).toEqual(expect.arrayContaining(["/unsubscribe/made-up", "/verify-email/made-up", "/preferences"]));
    for (const path of pages) {
      const a = await get(`${path}?token=made-up`);
      if (!(a.headers.get("content-type") ?? "").startsWith("text/html")) continue; // e.g. a redirect
      expectPageHeaders(a, ["same-origin", "no-referrer"]);
    }
  });
});

describe("JSON answers", () => {
  it.each([
    ["/healthz", 200],
    ["/v1/nothing-here", 404],
    ["/v1/me", 401],
  ])("%s: only nosniff is added; status, type and body are untouched", async (path, status) => {
    const a = await get(path);
    expect(a.status).toBe(status);
    expect(a.headers.get("content-type")).toMatch(/^application\/json/);
    expect(() => JSON.parse(a.body)).not.toThrow();
    expect(a.headers.get("x-content-type-options")).toBe("nosniff");
    for (const h of ["content-security-policy", "x-frame-options", "referrer-policy"]) expect(a.headers.get(h), h).toBeNull();
  });

  it("/healthz answers exactly as before", async () => {
    expect(JSON.parse((await get("/healthz")).body)).toEqual({ status: "ok" });
  });
});
