import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyToken } from "../../src/lib/tokens";
import { api, bodyOf, call, createTestContext, createUser, type TestContext, uniq } from "../helpers/app";

/** The user: created by the operator, read and changed through /v1/me, and the preferences link. */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

type PatchMe = Parameters<ReturnType<typeof api>["v1"]["me"]["$patch"]>[0]["json"];

describe("the user", () => {
  it("POST /v1/admin/users answers the user with the contract's defaults and the key once", async () => {
    const admin = api(ctx, ctx.adminToken);
    const email = `${uniq("new")}@example.com`;
    const created = await bodyOf(await admin.v1.admin.users.$post({ json: { email } }), 201);
    expect(created).toEqual({
      user: {
        id: expect.stringMatching(/^usr_/),
        email,
        tier: "free",
        effective_tier: "free",
        trial_tier: null,
        trial_ends_at: null,
        timezone: "UTC",
        digest: { day: "mon", hour: 9, send_when_empty: true },
        alerts: { window_minutes: 15, quiet_hours: null },
        created_at: expect.stringMatching(ISO),
      },
      api_key: expect.stringMatching(/^cw_/),
    });
    const got = await (await admin.v1.admin.users[":id"].$get({ param: { id: created.user.id } })).json();
    expect(got).toEqual(created.user);
    expect(JSON.stringify(got)).not.toContain(created.api_key);
    // the address is unique, whatever its case
    const dup = await admin.v1.admin.users.$post({ json: { email: email.toUpperCase() } });
    expect(dup.status).toBe(409);
    expect((await admin.v1.admin.users[":id"].$get({ param: { id: "usr_nobody" } })).status).toBe(404);
  });

  it("PATCH /v1/me merges nested objects, keeping the fields left out", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const client = api(ctx, u.key);
    const patch = async (json: PatchMe) => bodyOf(await client.v1.me.$patch({ json }), 200);
    expect((await patch({ digest: { hour: 7 } })).digest).toEqual({ day: "mon", hour: 7, send_when_empty: true });
    expect((await patch({ digest: { day: "fri" } })).digest).toEqual({ day: "fri", hour: 7, send_when_empty: true });
    expect((await patch({ digest: { send_when_empty: false } })).digest).toEqual({
      day: "fri",
      hour: 7,
      send_when_empty: false,
    });
    const quiet = await patch({ alerts: { quiet_hours: { start: "22:00", end: "07:00" } } });
    expect(quiet.alerts).toEqual({ window_minutes: 15, quiet_hours: { start: "22:00", end: "07:00" } });
    expect((await patch({ alerts: { window_minutes: 0 } })).alerts).toEqual({
      window_minutes: 0,
      quiet_hours: { start: "22:00", end: "07:00" },
    });
    const tz = await patch({ timezone: "Europe/Berlin" });
    expect(tz).toMatchObject({
      timezone: "Europe/Berlin",
      digest: { day: "fri", hour: 7, send_when_empty: false },
      alerts: { window_minutes: 0, quiet_hours: { start: "22:00", end: "07:00" } },
    });
    expect((await patch({ alerts: { quiet_hours: null } })).alerts).toEqual({ window_minutes: 0, quiet_hours: null });
    expect((await client.v1.me.$patch({ json: {} })).status).toBe(200);
    const me = await (await client.v1.me.$get()).json();
    expect(me).toMatchObject({ timezone: "Europe/Berlin", digest: { day: "fri", hour: 7 }, alerts: { quiet_hours: null } });
  });

  // call(): several of these bodies (null timezone, unknown fields, email or tier) are what the types refuse
  it.each([
    [{ timezone: "Mars/Olympus_Mons" }, "timezone"],
    [{ timezone: "EST" }, "timezone"],
    [{ timezone: "+02:00" }, "timezone"],
    [{ timezone: "UTC+2" }, "timezone"],
    [{ timezone: "" }, "timezone"],
    [{ timezone: null }, "timezone"],
    [{ digest: { hour: 24 } }, "digest.hour"],
    [{ digest: { hour: 7.5 } }, "digest.hour"],
    [{ digest: { day: "monday" } }, "digest.day"],
    [{ digest: { weekly: true } }, "digest"],
    [{ digest: null }, "digest"],
    [{ alerts: { window_minutes: 721 } }, "alerts.window_minutes"],
    [{ alerts: { quiet_hours: { start: "25:00", end: "07:00" } } }, "alerts.quiet_hours.start"],
    [{ alerts: { quiet_hours: { start: "22:00" } } }, "alerts.quiet_hours.end"],
    [{ email: "new@example.com" }, "email"],
    [{ tier: "professional" }, "tier"],
  ])("PATCH /v1/me %j → 400 naming %s", async (body, field) => {
    const u = await createUser(ctx);
    const res = await call(ctx, "PATCH", "/v1/me", { token: u.key, body });
    expect(res.status).toBe(400);
    const { error } = res.json as { error: { code: string; message: string } };
    expect(error.code).toBe("invalid_request");
    expect(error.message).toContain(field);
    const me = await (await api(ctx, u.key).v1.me.$get()).json();
    expect(me).toMatchObject({ tier: "free", timezone: "UTC", email: u.email });
  });

  it("timezones are IANA names: canonical ones pass", async () => {
    const u = await createUser(ctx);
    const client = api(ctx, u.key);
    for (const tz of ["UTC", "America/Argentina/Buenos_Aires", "Asia/Kathmandu", "Etc/GMT+5", "Europe/Berlin"]) {
      const res = await client.v1.me.$patch({ json: { timezone: tz } });
      expect(res.status, tz).toBe(200);
      expect((await bodyOf(res, 200)).timezone).toBe(tz);
    }
    const created = await api(ctx, ctx.adminToken).v1.admin.users.$post({
      json: { email: `${uniq("tz")}@example.com`, timezone: "Europe/Nowhere" },
    });
    expect(created.status).toBe(400);
    expect((await bodyOf(created, 400)).error.message).toContain("timezone");
  });

  it("POST /v1/me/preferences-link answers a signed login link and when it expires", async () => {
    const u = await createUser(ctx);
    const link = await bodyOf(await api(ctx, u.key).v1.me["preferences-link"].$post(), 200);
    expect(Object.keys(link).sort()).toEqual(["expires_at", "url"]);
    const url = new URL(link.url);
    expect(`${url.origin}${url.pathname}`).toBe("http://clausewatch.test/preferences");
    const token = url.searchParams.get("token") ?? "";
    const now = ctx.clock.now();
    const claims = await verifyToken(ctx.deps.keys, "preferences", token, now);
    expect(claims?.s).toBe(u.id);
    const expires = new Date(link.expires_at);
    expect(link.expires_at).toMatch(ISO);
    expect(expires.getTime()).toBeGreaterThan(now.getTime());
    expect(expires.getTime()).toBe((claims?.e ?? 0) * 1000);
    // not an unsubscribe token, and dead once expired
    expect(await verifyToken(ctx.deps.keys, "unsubscribe", token, now)).toBeNull();
    expect(await verifyToken(ctx.deps.keys, "preferences", token, new Date(expires.getTime() + 1000))).toBeNull();
  });
});
