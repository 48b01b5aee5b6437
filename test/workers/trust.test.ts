import { describe, expect, it } from "vitest";
import { fetchGuardedRequest } from "../../src/delivery/fetch-request";
import { createUser, env, request, uniq } from "./helpers";

/** A client address of its own per test: the public budget (3 a minute here) is per address. */
const address = () => `203.0.113.${Math.floor(Math.random() * 250) + 1}`;

describe("rate limits in a Durable Object, keyed by CF-Connecting-IP", () => {
  it("a fourth public request in a minute from one address gets 429; another address is not affected", async () => {
    const a = address();
    const b = address();
    const path = `/unsubscribe/${uniq("nope")}`;
    for (let i = 0; i < 3; i++) {
      const res = await request("GET", path, { headers: { "cf-connecting-ip": a } });
      expect(res.status).not.toBe(429);
      expect(res.headers.get("ratelimit")).toBe(`"public";r=${2 - i};t=60`);
    }
    const limited = await request("GET", path, { headers: { "cf-connecting-ip": a } });
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ error: { code: "rate_limited" } });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // X-Forwarded-For is not the client address in a Worker: it cannot buy a fresh budget
    const spoofed = await request("GET", path, { headers: { "cf-connecting-ip": a, "x-forwarded-for": b } });
    expect(spoofed.status).toBe(429);
    expect((await request("GET", path, { headers: { "cf-connecting-ip": b } })).status).not.toBe(429);
  });
});

describe("sessions", () => {
  it("a sign-in link starts a preference-page session held by its cookie", async () => {
    const u = await createUser({ tier: "watcher" });
    const link = await request("POST", "/v1/me/preferences-link", { token: u.key });
    expect(link.status).toBe(200);
    const url = new URL(link.json.url as string);
    const ip = { "cf-connecting-ip": address() };
    // the link answers 303 to the bare page, setting the session cookie
    const signedIn = await request("GET", `${url.pathname}${url.search}`, { headers: ip });
    expect(signedIn.status).toBe(303);
    const cookie = signedIn.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    expect(cookie).not.toBe("");
    expect((await request("GET", "/preferences", { headers: { ...ip, cookie } })).status).toBe(200);
    expect((await request("GET", "/preferences", { headers: { "cf-connecting-ip": address() } })).status).toBe(400);
  });
});

describe("the webhook SSRF guard without DNS (fetch)", () => {
  const send = (url: string, allowPrivate = false) =>
    fetchGuardedRequest({ url, headers: { "content-type": "application/json" }, body: "{}", allowPrivate, timeoutMs: 5_000 });

  it.each([
    "http://127.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://10.0.0.8/hook",
    "http://[::1]/hook",
    "http://[::ffff:7f00:1]/hook",
    "http://[64:ff9b::a00:1]/hook",
    "http://localhost./hook",
    "http://api.localhost/hook",
    "http://user:pw@example.com/hook",
  ])("refuses %s before any request", async (url) => {
    expect((await send(url)).kind).toBe("refused");
  });

  it("sends to an allowed target and never follows a redirect", async () => {
    const ok = await send(`${env.RECEIVER_URL}/ssrf/${uniq()}`, true);
    expect(ok).toMatchObject({ kind: "response", status: 200, body: "ok" });
    const target = `/after-redirect/${uniq()}`;
    const moved = await send(`${env.RECEIVER_URL}/redirect?to=${encodeURIComponent(target)}`, true);
    expect(moved).toMatchObject({ kind: "response", status: 302 });
    const reached = await (await fetch(`${env.RECEIVER_URL}/_received?path=${encodeURIComponent(target)}`)).json();
    expect(reached).toEqual([]);
  });
});
