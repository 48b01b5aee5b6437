import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEMO_PLATFORMS,
  type DemoNotification,
  type DemoUser,
  FIXTURES_DIR,
  outboxFile,
  runDemo,
  whyNotSent,
} from "../../scripts/demo-flow";
import {
  isRunning,
  NotRunningError,
  postSignedEvent,
  readArgs,
  request,
  serveOnFreePort,
  targetFromEnv,
  waitForFanout,
} from "../../scripts/lib";
import { rows } from "../../src/db/types";
import { createDispatcher, type Dispatcher } from "../../src/delivery/dispatcher";
import { createMetrics } from "../../src/delivery/metrics";
import { createChannels } from "../../src/delivery/setup";
import { createFanoutWorker } from "../../src/ingest/fanout-worker";
import { createLogger } from "../../src/lib/log";
import type { WorkerLoop } from "../../src/lib/worker-loop";
import { loadSecrets } from "../../src/secrets";
import { createTestContext, type TestContext, uniq } from "../helpers/app";
import { fixtures } from "../helpers/events";

// The developer scripts against a real HTTP server (the test app on a free port) with the
// service's own fan-out worker and dispatcher, emails written to a directory as without
// RESEND_API_KEY: what `npm run demo` and `npm run event` meet in a service started by `npm start`.
let ctx: TestContext;
let server: { baseUrl: string; close: () => Promise<void> };
let dataDir: string;
let dispatcher: Dispatcher;
let fanout: WorkerLoop;
beforeAll(async () => {
  ctx = await createTestContext();
  dataDir = mkdtempSync(join(tmpdir(), "cw-demo-"));
  const log = createLogger("error", (line) => console.error(line));
  const publicUrl = ctx.deps.config.publicUrl;
  dispatcher = createDispatcher({
    database: ctx.database,
    channels: createChannels({
      publicUrl,
      dataDir,
      emailFrom: "clausewatch <alerts@localhost>",
      allowPrivateWebhookTargets: false,
    }),
    keys: ctx.deps.keys,
    clock: ctx.clock,
    log,
    metrics: createMetrics(),
    publicUrl,
    pollMs: 100,
  });
  fanout = createFanoutWorker({ database: ctx.database, clock: ctx.clock, log, onQueued: () => dispatcher.wake(), pollMs: 100 });
  await fanout.start();
  await dispatcher.start();
  server = await serveOnFreePort(ctx.app.fetch);
});
afterAll(async () => {
  await server?.close();
  await fanout?.stop();
  await dispatcher?.stop();
  await ctx?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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

    // alerts at once: the demo waited for them, each watched event went out once, as a file in the outbox
    expect(r.user.alerts.window_minutes).toBe(0);
    const alerts = (r.notifications ?? []).filter((n) => n.kind === "alert");
    expect(alerts.length).toBeGreaterThanOrEqual(1);
    expect(alerts.flatMap((n) => n.event_ids).sort()).toEqual([...watched].sort());
    for (const n of alerts) {
      expect(n.status).toBe("sent");
      expect(whyNotSent(n, r.user, r.checkedAt)).toBeNull();
      const file = outboxFile(n);
      expect(file).toBe(`${n.id}.html`);
      const html = readFileSync(join(dataDir, "outbox", file ?? ""), "utf8");
      expect(html).toContain("You are getting this alert");
    }

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

describe("why an alert is not sent yet", () => {
  const user: DemoUser = {
    id: "usr_1",
    email: "demo@example.com",
    timezone: "Europe/Paris",
    alerts: { window_minutes: 15, quiet_hours: null },
  };
  const now = new Date("2026-05-14T10:00:00Z");
  const alert = (over: Partial<DemoNotification>): DemoNotification => ({
    id: "ntf_1",
    kind: "alert",
    status: "pending",
    status_reason: null,
    attempts: 0,
    next_attempt_at: "2026-05-14T10:15:00.000Z",
    last_error: null,
    provider_message_id: null,
    event_ids: ["evt_1"],
    sent_at: null,
    ...over,
  });

  it.each([
    ["the grouping window", alert({}), user, /due at 2026-05-14T10:15:00.000Z, when its grouping window of 15 minutes ends/],
    [
      "quiet hours",
      alert({ next_attempt_at: "2026-05-15T05:00:00.000Z" }),
      { ...user, alerts: { window_minutes: 0, quiet_hours: { start: "22:00", end: "07:00" } } },
      /held until 2026-05-15T05:00:00.000Z: quiet hours 22:00–07:00 \(Europe\/Paris\)/,
    ],
    ["a due alert nobody sends", alert({ next_attempt_at: "2026-05-14T09:59:59.000Z" }), user, /no dispatcher has picked it up/],
    [
      "a retry",
      alert({ attempts: 1, last_error: "outbox write failed: EACCES" }),
      user,
      /retried at .*EACCES|EACCES.*retried at/,
    ],
    ["a failure", alert({ status: "failed", last_error: "422 invalid address" }), user, /failed: 422 invalid address/],
    ["a suppression", alert({ status: "suppressed", status_reason: "unsubscribed" }), user, /suppressed: unsubscribed/],
  ])("names %s", (_, n, u, reason) => {
    expect(whyNotSent(n, u, now)).toMatch(reason);
  });

  it("finds a sent email's file only for the outbox channel", () => {
    expect(outboxFile(alert({ status: "sent", provider_message_id: "outbox:ntf_1" }))).toBe("ntf_1.html");
    expect(outboxFile(alert({ status: "sent", provider_message_id: "re_0123" }))).toBeNull();
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

  it("reads what the fan-out did where the operator reads it, once it has run", async () => {
    const body = raw();
    const posted = await postSignedEvent(server.baseUrl, ctx.ingestSecret, body);
    expect(posted.status).toBe(202);
    const id = (posted.body as { event_id: string }).event_id;
    const counts = await waitForFanout(server.baseUrl, ctx.adminToken, id, Date.now() + 10_000);
    expect(counts).toEqual({ matched_users: expect.any(Number), alerts: expect.any(Number), digest_items: expect.any(Number) });
    expect(await waitForFanout(server.baseUrl, ctx.adminToken, "evt_never_posted", Date.now())).toBeNull();
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

/*
 * The scripts as `npm run` starts them, in their own process: only their command line is under
 * test here, so each spawn ends before it looks for a service.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
function runScript(script: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const proc = spawn(process.execPath, ["--import", "tsx", `scripts/${script}.ts`, ...args], {
      cwd: ROOT,
      // nothing that points at a service: a script that ignored the flag would fail to connect, not succeed
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), PORT: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
    });
    proc.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    proc.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("the scripts' command line", () => {
  it.each([
    ["event", "--help", "usage: npm run event -- <event.json>", ["INGEST_SECRET", "PUBLIC_URL", "PORT", "DATA_DIR"]],
    ["demo", "-h", "usage: npm run demo", ["ADMIN_TOKEN", "INGEST_SECRET", "PUBLIC_URL", "PORT", "DATA_DIR", "window_minutes"]],
  ])(
    "%s %s prints what it does and the environment it reads, and exits 0",
    async (script, flag, head, vars) => {
      const r = await runScript(script, [flag]);
      expect(r).toMatchObject({ code: 0, stderr: "" });
      expect(r.stdout.startsWith(head)).toBe(true);
      for (const v of vars) expect(r.stdout).toContain(v);
    },
    60_000,
  );

  it("an unknown flag is a usage error (exit 2), never a file name", async () => {
    const r = await runScript("event", ["--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Unknown option '--bogus'");
    expect(r.stderr).toContain("usage: npm run event");
    expect(r.stderr).not.toMatch(/ENOENT|no clausewatch service/);
  }, 60_000);

  it("npm run demo against a running service prints the delivered email's file", async () => {
    const r = await runScript("demo", [], {
      PUBLIC_URL: server.baseUrl,
      ADMIN_TOKEN: ctx.adminToken,
      INGEST_SECRET: ctx.ingestSecret,
      DATA_DIR: dataDir,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`using the service at ${server.baseUrl}`);
    expect(r.stdout).toContain("alerts at once");
    const files = [...r.stdout.matchAll(/the email: (\S+\.html) \(open it in a browser\)/g)].map((m) => m[1]);
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const f of files) expect(readFileSync(f, "utf8")).toContain("You are getting this alert");
    expect(r.stdout).not.toMatch(/not sent yet|not fanned out/);
  }, 60_000);

  it("reads -h and --help anywhere, and limits positionals where a script takes none", () => {
    expect(readArgs(["a.json", "--help"])).toEqual({ kind: "help" });
    expect(readArgs(["a.json", "b.json"])).toEqual({ kind: "run", positionals: ["a.json", "b.json"] });
    expect(readArgs(["x"], 0)).toEqual({ kind: "usage-error", message: "unexpected argument: x" });
    expect(readArgs(["-q"])).toMatchObject({ kind: "usage-error", message: expect.stringContaining("-q") });
  });
});
