import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PLATFORMS, FIXTURES_DIR, runDemo } from "../../scripts/demo-flow";
import { isRunning, NotRunningError, postSignedEvent, request, serveOnFreePort, targetFromEnv } from "../../scripts/lib";
import { rows } from "../../src/db/types";
import { loadSecrets } from "../../src/secrets";
import { createTestContext, type TestContext, uniq } from "../helpers/app";
import { fixtures } from "../helpers/events";

// The developer scripts against a real HTTP server (the test app on a free port), as `npm run
// demo` and `npm run event` use a running service.
let ctx: TestContext;
let server: { baseUrl: string; close: () => Promise<void> };
beforeAll(async () => {
  ctx = await createTestContext();
  server = await serveOnFreePort(ctx.app.fetch);
});
afterAll(async () => {
  await server?.close();
  await ctx?.close();
});

const demo = () => runDemo({ baseUrl: server.baseUrl, adminToken: ctx.adminToken, ingestSecret: ctx.ingestSecret });

describe("npm run demo", () => {
  it("creates a watcher, posts every fixture signed and reports what matched", async () => {
    const r = await demo();
    const files = Object.keys(fixtures).map((f) => `${f}.json`);
    expect(r.events.map((e) => e.file)).toEqual(files);
    expect(r.events.every((e) => e.status === 202)).toBe(true);
    for (const e of r.events.filter((x) => DEMO_PLATFORMS.some((p) => p === x.platform))) {
      expect(e.matchedUsers).toBeGreaterThanOrEqual(1);
      expect(e.alerts).toBeGreaterThanOrEqual(1);
    }

    const watched = r.events.filter((e) => DEMO_PLATFORMS.some((p) => p === e.platform)).map((e) => e.eventId);
    expect(watched).toHaveLength(3); // 01 and 05 (anthropic), 02 (ideogram)
    const items = await rows<{ event_id: string }>(
      ctx.database.db,
      sql`select event_id from digest_items where user_id = ${r.user.id} order by event_id`,
    );
    expect(items.map((i) => i.event_id)).toEqual([...watched].sort());
    // one alert on the account email, collecting all three inside the grouping window
    const links = await rows<{ notification_id: string; event_id: string }>(
      ctx.database.db,
      sql`select ne.notification_id, ne.event_id from notification_events ne
        join notifications n on n.id = ne.notification_id where n.user_id = ${r.user.id}`,
    );
    expect(new Set(links.map((l) => l.notification_id)).size).toBe(1);
    expect(links.map((l) => l.event_id).sort()).toEqual([...watched].sort());

    const me = await request(server.baseUrl, "/v1/me", { headers: { authorization: `Bearer ${r.apiKey}` } });
    expect(me.status).toBe(200);
    expect((me.body as { email: string }).email).toBe(r.user.email);
  });

  it("runs again on the same service: fresh ids, so nothing is a duplicate", async () => {
    const first = await demo();
    const again = await demo();
    expect(again.user.id).not.toBe(first.user.id);
    expect(again.events.map((e) => e.status)).toEqual(first.events.map(() => 202));
    expect(new Set([...first.events, ...again.events].map((e) => e.eventId)).size).toBe(first.events.length * 2);
  });

  it("says so when the operator token is not the service's", async () => {
    await expect(
      runDemo({ baseUrl: server.baseUrl, adminToken: "adm_wrong_token_0000", ingestSecret: ctx.ingestSecret }),
    ).rejects.toThrow(/ADMIN_TOKEN/);
  });
});

describe("npm run event", () => {
  const raw = () => {
    const body = readFileSync(join(FIXTURES_DIR, "04-windsurf-subprocessors.json"), "utf8");
    return body.replace(/"id": "[^"]+"/, `"id": "${uniq("evt-script")}"`);
  };

  it("signs the file's bytes: 202, then 200 duplicate for the same body", async () => {
    const body = raw();
    const first = await postSignedEvent(server.baseUrl, ctx.ingestSecret, body);
    expect(first.status).toBe(202);
    const second = await postSignedEvent(server.baseUrl, ctx.ingestSecret, body);
    expect(second).toMatchObject({ status: 200, body: { duplicate: true } });
    const [stored] = await rows<{ raw_body: string }>(
      ctx.database.db,
      sql`select raw_body from events where id = ${(first.body as { event_id: string }).event_id}`,
    );
    expect(stored.raw_body).toBe(body);
  });

  it("signs what the server reads when the file starts with a byte-order mark", async () => {
    expect((await postSignedEvent(server.baseUrl, ctx.ingestSecret, `\uFEFF${raw()}`)).status).toBe(202);
  });

  it("is refused with another secret", async () => {
    const other = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    expect((await postSignedEvent(server.baseUrl, other, raw())).status).toBe(401);
  });

  it("tells a stopped service from an HTTP error", async () => {
    const stopped = await serveOnFreePort(() => new Response("bye"));
    await stopped.close();
    expect(await isRunning(stopped.baseUrl)).toBe(false);
    expect(await isRunning(server.baseUrl)).toBe(true);
    const err = await postSignedEvent(stopped.baseUrl, ctx.ingestSecret, raw()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotRunningError);
    expect((err as Error).message).toContain("npm start");
  });
});

describe("script configuration", () => {
  it("takes secrets from the environment first, then DATA_DIR/secrets.json, as npm start keeps them", () => {
    const dir = mkdtempSync(join(tmpdir(), "cw-scripts-"));
    try {
      const stored = loadSecrets(dir, {});
      const fromFile = targetFromEnv({ DATA_DIR: dir, PORT: "18999", ADMIN_TOKEN: "" });
      expect(fromFile).toMatchObject({
        baseUrl: "http://localhost:18999",
        adminToken: stored.adminToken,
        ingestSecret: stored.ingestSecret,
      });
      const fromEnv = targetFromEnv({ DATA_DIR: dir, INGEST_SECRET: "whsec_ZnJvbS1lbnY=", PUBLIC_URL: "https://cw.example/" });
      expect(fromEnv).toMatchObject({ baseUrl: "https://cw.example", ingestSecret: "whsec_ZnJvbS1lbnY=" });
      expect(targetFromEnv({ DATA_DIR: join(dir, "missing") })).toMatchObject({
        baseUrl: "http://localhost:8787",
        ingestSecret: undefined,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
