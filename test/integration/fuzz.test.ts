import { sql } from "drizzle-orm";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBase64 } from "../../src/lib/crypto";
import { SEVERITIES } from "../../src/lib/tiers";
import { isValidTimeZone } from "../../src/lib/time";
import { call, createTestContext, createUser, postEvent, type TestContext, type TestUser, uniq } from "../helpers/app";
import { onPostgres } from "../helpers/db";
import { freshEvent } from "../helpers/events";
import { count } from "../helpers/sql";

/**
 * Property-based: malformed and hostile input is refused with 400/401/413 and stores nothing.
 * Every generated case is invalid by construction (each mutation breaks a rule of the contract),
 * so "stored nothing" is exact. About 1,500 cases in all.
 */

type Json = Record<string, unknown>;

let ctx: TestContext;
let pro: TestUser;
let watcher: TestUser;
// every row this app writes is stamped with this instant, which no other test file uses
let stamp: string;

beforeAll(async () => {
  // every host name resolves to a private address: no generated webhook URL can be acceptable
  ctx = await createTestContext({ resolveHost: async () => ["10.0.0.1"] });
  ctx.clock.set(new Date(Date.UTC(2003, 2, 4, 5, 6, 7, Math.floor(Math.random() * 1000))));
  stamp = ctx.clock.now().toISOString();
  pro = await createUser(ctx, { tier: "professional" });
  watcher = await createUser(ctx, { tier: "watcher" });
});
afterAll(() => ctx.close());

/** Rows written by this file's app, and on PGlite (a database per file) every row. */
async function stored() {
  const at = sql`${stamp}::timestamptz`;
  const scoped = {
    events: await count(ctx.database, sql`select 1 from events where received_at = ${at}`),
    watches: await count(ctx.database, sql`select 1 from watches where created_at = ${at}`),
    channels: await count(ctx.database, sql`select 1 from channels where created_at = ${at}`),
    users: await count(ctx.database, sql`select 1 from users where created_at = ${at}`),
  };
  if (onPostgres) return scoped;
  return {
    ...scoped,
    allEvents: await count(ctx.database, sql`select 1 from events`),
    allWatches: await count(ctx.database, sql`select 1 from watches`),
    allChannels: await count(ctx.database, sql`select 1 from channels`),
    allUsers: await count(ctx.database, sql`select 1 from users`),
  };
}

/** Runs a property and checks that it stored nothing. */
async function refusesAll<T>(arb: fc.Arbitrary<T>, numRuns: number, check: (input: T) => Promise<void>) {
  const before = await stored();
  await fc.assert(fc.asyncProperty(arb, check), { numRuns });
  expect(await stored()).toEqual(before);
}

function expectStatus(res: { status: number; json: Json }, allowed: number[], what: unknown) {
  const msg = `${res.status} ${JSON.stringify(res.json).slice(0, 300)} for ${JSON.stringify(what)?.slice(0, 300)}`;
  expect(allowed, msg).toContain(res.status);
  const error = res.json.error as Json | undefined;
  expect(error, msg).toBeTruthy();
  expect(typeof error?.code).toBe("string");
  expect(typeof error?.request_id).toBe("string");
}

// ---- building blocks -------------------------------------------------------------------------

const json = fc.jsonValue({ maxDepth: 2 });
const dict = fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 3 });
const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(json, { maxLength: 3 }), dict);
/** wrong for a field that accepts null */
const notStringNorNull = fc.oneof(fc.integer(), fc.boolean(), fc.array(json, { maxLength: 3 }), dict);
const notArray = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string(), dict);
const notObject = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string(), fc.array(json, { maxLength: 3 }));
const notBool = fc.oneof(fc.integer(), fc.constant(null), fc.string(), fc.array(json, { maxLength: 2 }));
/** text PostgreSQL cannot hold: a NUL or an unpaired surrogate somewhere in otherwise fine text */
const unstorable = fc
  .tuple(
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.constantFrom("\u0000", "\ud800", "\udfff", "a\u0000b"),
    fc.string({ maxLength: 20 }),
  )
  .map(([a, bad, b]) => `${a}${bad}${b}`);
const overlong = (max: number) => fc.nat(64).map((n) => "x".repeat(max + 1 + n));
const SLUG = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const badSlug = fc.oneof(
  notString,
  fc.constant(""),
  fc.string({ unit: "binary", minLength: 1, maxLength: 40 }).filter((s) => !SLUG.test(s)),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }).map((s) => `Ü${s}`),
  overlong(128).map((s) => s.toLowerCase()),
  unstorable,
);
const badEnum = (values: readonly string[]) =>
  fc.oneof(
    notString,
    fc.string({ maxLength: 12 }).filter((s) => !values.includes(s)),
  );
const badText = (max: number, canBeEmpty = false) =>
  fc.oneof(notString, overlong(max), unstorable, ...(canBeEmpty ? [] : [fc.constant("")]));
const badDatetime = fc.oneof(
  notString,
  fc.constantFrom(
    "2026-05-09",
    "2026-05-09T14:35:38",
    "2026-05-09 14:35:38Z",
    "2026-13-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59-01:00",
    "+275760-09-13T00:00:00Z",
    "yesterday",
    "",
  ),
  fc.string().filter((s) => !/^\d{4}-/.test(s)),
);
const badUrl = fc.oneof(
  notString,
  fc.constantFrom(
    "ftp://example.com/x",
    "javascript:alert(1)",
    "//example.com",
    "example.com",
    "http://",
    "",
    "https://exa mple.com",
  ),
  fc.string().filter((s) => !/^https?:\/\//i.test(s)),
  overlong(2048).map((s) => `https://example.com/${s}`),
  unstorable.map((s) => `https://example.com/${s}`),
);
const badSha = fc.oneof(
  notString,
  fc.string().filter((s) => !/^[0-9a-f]{64}$/.test(s)),
  fc.constant("B10681ED0556F33FD77BDD0CA8D5A1D1E02616DAB9696DADD177F042A3770D68"),
);
const badId = fc.oneof(
  notString,
  fc.constant(""),
  fc.constant(" leading-space"),
  overlong(200),
  fc
    .string({ unit: "binary", minLength: 1, maxLength: 30 })
    .filter((s) => !/^[\x21-\x7E](?:[\x20-\x7E]{0,198}[\x21-\x7E])?$/.test(s)),
);

// ---- events ----------------------------------------------------------------------------------

interface Field {
  path: (string | number)[];
  required: boolean;
  bad: fc.Arbitrary<unknown>;
}
const EVENT_FIELDS: Field[] = [
  { path: ["id"], required: true, bad: badId },
  { path: ["type"], required: true, bad: badEnum(["document.changed", "document.added", "document.removed"]) },
  { path: ["occurred_at"], required: true, bad: badDatetime },
  { path: ["platform"], required: true, bad: notObject },
  { path: ["platform", "slug"], required: true, bad: badSlug },
  { path: ["platform", "name"], required: true, bad: badText(200) },
  { path: ["document"], required: true, bad: notObject },
  { path: ["document", "slug"], required: true, bad: badSlug },
  { path: ["document", "title"], required: true, bad: badText(500) },
  { path: ["document", "url"], required: true, bad: badUrl },
  { path: ["document", "last_updated"], required: false, bad: badText(40, true) },
  { path: ["severity"], required: true, bad: badEnum(SEVERITIES) },
  { path: ["summary"], required: true, bad: badText(5000) },
  // document.changed needs at least one change
  { path: ["changes"], required: true, bad: fc.oneof(notArray, fc.constant([])) },
  { path: ["changes", 0], required: true, bad: notObject },
  { path: ["changes", 0, "provision"], required: true, bad: notObject },
  { path: ["changes", 0, "provision", "slug"], required: true, bad: badSlug },
  { path: ["changes", 0, "provision", "title"], required: true, bad: badText(500) },
  { path: ["changes", 0, "kind"], required: true, bad: badEnum(["added", "removed", "modified"]) },
  { path: ["changes", 0, "severity"], required: false, bad: badEnum(SEVERITIES) },
  { path: ["changes", 0, "confidence"], required: false, bad: badEnum(["low", "medium", "high"]) },
  { path: ["changes", 0, "categories"], required: false, bad: notArray },
  // removing the only category or regulation leaves a valid empty list: only bad values here
  { path: ["changes", 0, "categories", 0], required: false, bad: badSlug },
  { path: ["changes", 0, "summary"], required: true, bad: badText(5000) },
  { path: ["changes", 0, "before"], required: false, bad: badText(100_000, true) },
  { path: ["changes", 0, "after"], required: false, bad: fc.oneof(notString, unstorable) },
  { path: ["changes", 0, "regulations"], required: false, bad: notArray },
  { path: ["changes", 0, "regulations", 0], required: false, bad: badText(100) },
  { path: ["evidence"], required: true, bad: notObject },
  { path: ["evidence", "source_url"], required: true, bad: badUrl },
  { path: ["evidence", "archive_url"], required: false, bad: badUrl },
  { path: ["evidence", "content_sha256"], required: true, bad: badSha },
  { path: ["evidence", "captured_at"], required: true, bad: badDatetime },
];

type Mutation = { field: Field; op: "delete" } | { field: Field; op: "set"; value: unknown };
const mutation: fc.Arbitrary<Mutation> = fc.constantFrom(...EVENT_FIELDS).chain((field) =>
  fc.oneof(
    field.bad.map((value): Mutation => ({ field, op: "set", value })),
    ...(field.required ? [fc.constant<Mutation>({ field, op: "delete" })] : []),
  ),
);

/** Applies a mutation where its parent still is what the schema expects; otherwise leaves it. */
function apply(target: unknown, m: Mutation) {
  let node: unknown = target;
  for (const key of m.field.path.slice(0, -1)) {
    if (node === null || typeof node !== "object") return;
    node = (node as Record<string | number, unknown>)[key];
  }
  const last = m.field.path[m.field.path.length - 1];
  const isIndex = typeof last === "number";
  if (node === null || typeof node !== "object" || Array.isArray(node) !== isIndex) return;
  const parent = node as Record<string | number, unknown>;
  if (m.op === "delete") {
    if (isIndex) (parent as unknown as unknown[]).splice(last, 1);
    else delete parent[last];
  } else parent[last] = m.value;
}

const baseEvent = () => freshEvent("01-anthropic-ai-training", { id: `fuzz-${uniq("evt")}`, platformSlug: uniq("fuzz") });

const badEventBody: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => {
      const e: unknown = baseEvent();
      for (const m of ms) apply(e, m);
      return JSON.stringify(e);
    }),
  },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  // graphemes, not lone surrogates: those would not survive UTF-8 and the signature would fail first
  {
    weight: 1,
    arbitrary: fc.string({ unit: "grapheme", maxLength: 200 }).filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    }),
  },
);

describe("POST /v1/events", () => {
  it("signed but malformed events → 400 (wrong types, missing fields, huge strings, unicode, non-JSON)", async () => {
    await refusesAll(badEventBody, 350, async (raw) => {
      const res = await postEvent(ctx, null, { raw });
      expectStatus(res, [400], raw);
    });
  });

  const FIVE_MIN = 5 * 60;
  /** a valid, new event with broken credentials: stored only if the signature check failed */
  const badlySigned = fc.oneof(
    fc.constant({ kind: "none" as const }),
    fc.string({ maxLength: 80 }).map((sig) => ({ kind: "random" as const, sig })),
    fc.uint8Array({ minLength: 24, maxLength: 64 }).map((key) => ({ kind: "other-secret" as const, key })),
    fc.constant({ kind: "other-body" as const }),
    fc.constant({ kind: "other-id" as const }),
    fc.integer({ min: FIVE_MIN + 5, max: 10 * 365 * 86_400 }).map((s) => ({ kind: "stale" as const, s })),
    fc.integer({ min: FIVE_MIN + 5, max: 10 * 365 * 86_400 }).map((s) => ({ kind: "future" as const, s })),
    fc
      .string({ maxLength: 12 })
      .filter((t) => !/^\d+$/.test(t.trim()))
      .map((t) => ({ kind: "bad-timestamp" as const, t })),
  );

  it("valid events with missing, wrong, stale or future signatures → 401", async () => {
    await refusesAll(badlySigned, 250, async (attack) => {
      const e = baseEvent();
      const raw = JSON.stringify(e);
      const id = `msg_${uniq()}`;
      const now = ctx.clock.now();
      const sign = (secret: string, msgId: string, at: Date, body: string) => new Webhook(secret).sign(msgId, at, body);
      const ts = (d: Date) => String(Math.floor(d.getTime() / 1000));
      let headers: Record<string, string> = {
        "webhook-id": id,
        "webhook-timestamp": ts(now),
        "webhook-signature": sign(ctx.ingestSecret, id, now, raw),
      };
      switch (attack.kind) {
        case "none":
          headers = {};
          break;
        case "random":
          headers["webhook-signature"] = attack.sig;
          break;
        case "other-secret":
          headers["webhook-signature"] = sign(`whsec_${toBase64(attack.key)}`, id, now, raw);
          break;
        case "other-body":
          headers["webhook-signature"] = sign(ctx.ingestSecret, id, now, JSON.stringify({ ...e, summary: "what was signed" }));
          break;
        case "other-id":
          headers["webhook-id"] = `${id}x`;
          break;
        case "stale":
        case "future": {
          const at = new Date(now.getTime() + (attack.kind === "stale" ? -1 : 1) * attack.s * 1000);
          headers["webhook-timestamp"] = ts(at);
          headers["webhook-signature"] = sign(ctx.ingestSecret, id, at, raw);
          break;
        }
        case "bad-timestamp":
          headers["webhook-timestamp"] = attack.t;
          break;
      }
      const res = await ctx.app.request("/v1/events", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: raw,
      });
      expectStatus({ status: res.status, json: (await res.json()) as Json }, [401], attack);
    });
  });

  it("bodies over 1 MiB → 413, signed or not", async () => {
    const MiB = 1024 * 1024;
    await refusesAll(fc.tuple(fc.nat(4096), fc.boolean(), fc.boolean()), 6, async ([extra, signed, asJson]) => {
      const e = baseEvent();
      const raw = asJson ? JSON.stringify({ ...e, summary: "s".repeat(MiB + extra) }) : "z".repeat(MiB + 1 + extra);
      const res = signed
        ? await postEvent(ctx, null, { raw })
        : await Promise.resolve(
            ctx.app.request("/v1/events", { method: "POST", headers: { "content-type": "application/json" }, body: raw }),
          ).then(async (r) => ({ status: r.status, json: (await r.json()) as Json }));
      expectStatus(res, [413], { extra, signed, asJson });
      expect((res.json.error as Json).code).toBe("payload_too_large");
    });
  });
});

// ---- API bodies ------------------------------------------------------------------------------

const KNOWN_WATCH_KEYS = ["platform", "document", "provision", "min_severity", "categories"];
const badWatch: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ platform: badSlug }),
  fc.record({
    platform: fc.constant("fuzz-ok"),
    document: fc.oneof(
      notStringNorNull,
      badSlug.filter((v) => v !== null),
    ),
  }),
  fc.record({
    platform: fc.constant("fuzz-ok"),
    document: fc.constant("terms"),
    provision: fc.oneof(
      notStringNorNull,
      badSlug.filter((v) => v !== null),
    ),
  }),
  fc.record({
    platform: fc.constant("fuzz-ok"),
    min_severity: fc.oneof(
      notStringNorNull,
      badEnum(SEVERITIES).filter((v) => v !== null),
    ),
  }),
  fc.record({
    platform: fc.constant("fuzz-ok"),
    categories: fc.oneof(
      notArray.filter((v) => v !== null),
      fc.constant([]),
      fc.array(fc.constantFrom("a", "b", "c"), { minLength: 21, maxLength: 30 }).map((xs) => xs.map((x, i) => `${x}${i}`)),
      fc.array(badSlug, { minLength: 1, maxLength: 3 }),
    ),
  }),
  // a provision without its document, "*" without categories
  fc.record({ platform: fc.constant("fuzz-ok"), provision: fc.constant("arbitration") }),
  fc.record({ platform: fc.constant("*"), min_severity: fc.constantFrom(...SEVERITIES) }),
  // unknown keys are refused (a typo must not silently widen a watch)
  fc
    .tuple(
      fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !KNOWN_WATCH_KEYS.includes(k) && k !== "__proto__"),
      json,
    )
    .map(([k, v]) => ({ platform: "fuzz-ok", [k]: v })),
  fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(json, { maxLength: 3 }), fc.boolean()),
);

const privateHost = fc.constantFrom(
  "127.0.0.1",
  "10.1.2.3",
  "172.16.0.1",
  "192.168.1.1",
  "169.254.169.254",
  "100.64.0.1",
  "0.0.0.0",
  "[::1]",
  "[fd00::1]",
  "[fe80::1]",
  "[::ffff:127.0.0.1]",
  "localhost",
  "2130706433",
  "0x7f.1",
);
const badChannel: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ type: badEnum(["email", "slack", "webhook"]) }),
  fc.record({ address: fc.string() }),
  fc.record({
    type: fc.constant("email"),
    address: fc.oneof(
      notString,
      fc.string().filter((s) => !s.includes("@")),
      fc
        .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(" ", "\u0000", "\n", "<", ","))
        .map(([a, c]) => `${a}${c}x@example.com`),
      overlong(254).map((s) => `${s}@example.com`),
    ),
  }),
  fc.record({
    type: fc.constant("slack"),
    bot_token: fc.oneof(
      notString,
      fc.string().filter((s) => !/^xox[a-z]-/.test(s)),
    ),
    channel: fc.constant("#general"),
  }),
  fc.record({
    type: fc.constant("slack"),
    bot_token: fc.constant("xoxb-1234567890-abcdef"),
    channel: fc.oneof(
      notString,
      fc.string({ unit: "binary" }).filter((s) => !/^#?[A-Za-z0-9._-]{1,80}$/.test(s)),
    ),
  }),
  fc.record({
    type: fc.constant("webhook"),
    url: fc.oneof(
      notString,
      fc.string().filter((s) => !/^https?:\/\/\d/i.test(s)),
      fc.webUrl(), // every host name resolves to 10.0.0.1 here
      fc.tuple(fc.constantFrom("http", "https"), privateHost, fc.webPath()).map(([s, h, p]) => `${s}://${h}${p}`),
      fc.webUrl().map((u) => u.replace("://", "://user:pass@")),
      fc.webUrl().map((u) => u.replace(/^https?/, "gopher")),
    ),
  }),
  fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(json, { maxLength: 3 })),
);

const badTimezone = fc.oneof(
  notString,
  fc.constantFrom("EST", "+02:00", "UTC+2", "Mars/Olympus_Mons", "Europe/Nowhere", "", "Etc/GMT+99", "../../etc/passwd"),
  fc.string().filter((s) => !isValidTimeZone(s)),
);
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const badMe: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ timezone: badTimezone }),
  fc.record({ digest: notObject }),
  fc.record({
    digest: fc.oneof(
      fc.record({ day: badEnum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]) }),
      fc.record({
        hour: fc.oneof(
          fc.integer({ min: 24 }),
          fc.integer({ max: -1 }),
          fc.double({ min: 0.1, max: 22.9, noInteger: true }),
          notStringNorNull.filter((v) => typeof v !== "number"),
        ),
      }),
      fc.record({ send_when_empty: notBool }),
      fc.constant({ weekly: true }),
    ),
  }),
  fc.record({ alerts: notObject }),
  fc.record({
    alerts: fc.oneof(
      fc.record({ window_minutes: fc.oneof(fc.integer({ min: 721 }), fc.integer({ max: -1 }), fc.string(), fc.constant(null)) }),
      fc.record({ quiet_hours: fc.oneof(fc.integer(), fc.string(), fc.array(json, { maxLength: 2 })) }),
      fc.record({ quiet_hours: fc.record({ start: fc.string().filter((s) => !HHMM.test(s)), end: fc.constant("07:00") }) }),
      fc.record({ quiet_hours: fc.record({ start: fc.constant("22:00") }) }),
      fc.record({ quiet_hours: fc.constant({ start: "22:00", end: "07:00", days: 5 }) }),
    ),
  }),
  fc
    .tuple(
      fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !["timezone", "digest", "alerts", "__proto__"].includes(k)),
      json,
    )
    .map(([k, v]) => ({ [k]: v })),
  fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(json, { maxLength: 3 })),
);

const badEmail = fc.oneof(
  notString,
  fc.string().filter((s) => !s.includes("@")),
  fc
    .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(" ", "\u0000", "\t", "\u0001", "(", ";", "\ud800"))
    .map(([a, c]) => `${a}${c}x@example.com`),
  fc.constantFrom("a@b", "@example.com", "a@.com", "a@@example.com", "a@example.c"),
  overlong(254).map((s) => `${s}@example.com`),
);
/** Each case breaks one rule; the rest is a valid, unique request, so only that rule refuses it. */
const badAdminUser: fc.Arbitrary<(email: string) => unknown> = fc.oneof(
  badEmail.map((email) => () => ({ email })),
  fc.constant(() => ({ tier: "watcher" })),
  badEnum(["free", "watcher", "professional"]).map((tier) => (email: string) => ({ email, tier })),
  badTimezone.map((timezone) => (email: string) => ({ email, timezone })),
  notBool.map((trial) => (email: string) => ({ email, trial })),
  fc.constantFrom("watcher", "professional").map((tier) => (email: string) => ({ email, tier, trial: true })),
  fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(json, { maxLength: 3 })).map((v) => () => v),
);

describe("API bodies", () => {
  it("POST /v1/watchlist refuses malformed watches with 400", async () => {
    await refusesAll(badWatch, 220, async (body) => {
      const res = await call(ctx, "POST", "/v1/watchlist", { token: pro.key, body: JSON.stringify(body) });
      expectStatus(res, [400], body);
    });
  });

  it("POST /v1/channels refuses malformed channels and unreachable or private webhooks with 400", async () => {
    await refusesAll(badChannel, 220, async (body) => {
      const res = await call(ctx, "POST", "/v1/channels", { token: pro.key, body: JSON.stringify(body) });
      expectStatus(res, [400], body);
    });
  });

  it("PATCH /v1/me refuses malformed preferences with 400 and changes nothing", async () => {
    const before = (await call(ctx, "GET", "/v1/me", { token: watcher.key })).json;
    await refusesAll(badMe, 180, async (body) => {
      const res = await call(ctx, "PATCH", "/v1/me", { token: watcher.key, body: JSON.stringify(body) });
      expectStatus(res, [400], body);
    });
    expect((await call(ctx, "GET", "/v1/me", { token: watcher.key })).json).toEqual(before);
  });

  it("POST /v1/admin/users refuses malformed users with 400", async () => {
    await refusesAll(badAdminUser, 180, async (make) => {
      const body = make(`${uniq("fuzz")}@example.com`);
      const res = await call(ctx, "POST", "/v1/admin/users", { token: ctx.adminToken, body: JSON.stringify(body) });
      expectStatus(res, [400], body);
    });
  });

  it("bodies that are not JSON → 400 on every JSON route", async () => {
    const routes: [string, string, () => string][] = [
      ["POST", "/v1/watchlist", () => pro.key],
      ["POST", "/v1/channels", () => pro.key],
      ["PATCH", "/v1/me", () => watcher.key],
      ["POST", "/v1/admin/users", () => ctx.adminToken],
    ];
    const notJson = fc.string({ unit: "binary", maxLength: 100 }).filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    });
    const contentType = fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", undefined);
    await refusesAll(
      fc.tuple(fc.constantFrom(...routes), notJson, contentType),
      120,
      async ([[method, path, token], body, type]) => {
        const res = await ctx.app.request(path, {
          method,
          headers: { authorization: `Bearer ${token()}`, ...(type ? { "content-type": type } : {}) },
          body,
        });
        expectStatus({ status: res.status, json: (await res.json()) as Json }, [400], { path, body, type });
      },
    );
  });
});

// ---- credentials and parameters ---------------------------------------------------------------

describe("credentials and parameters", () => {
  const userRoutes: [string, string][] = [
    ["GET", "/v1/me"],
    ["PATCH", "/v1/me"],
    ["POST", "/v1/me/api-key"],
    ["GET", "/v1/watchlist"],
    ["POST", "/v1/watchlist"],
    ["DELETE", "/v1/watchlist/wat_x"],
    ["GET", "/v1/channels"],
    ["POST", "/v1/channels"],
    ["GET", "/v1/catalog/platforms"],
    ["POST", "/v1/admin/users"],
    ["PATCH", "/v1/admin/users/usr_x"],
  ];

  it("random bearer tokens → 401 and nothing happens", async () => {
    const header = fc.oneof(
      fc.string({ maxLength: 120 }).map((t) => `Bearer ${t}`),
      fc.string({ maxLength: 60 }).map((t) => `Bearer cw_${t}`),
      fc.string({ maxLength: 60 }),
      fc.constantFrom(`Bearer ${pro.key}x`, `Bearer ${ctx.adminToken.slice(1)}`, `Basic ${pro.key}`),
    );
    await refusesAll(fc.tuple(fc.constantFrom(...userRoutes), header), 120, async ([[method, path], authorization]) => {
      const body =
        method === "GET" || method === "DELETE" ? undefined : JSON.stringify({ platform: "fuzz-auth", email: "a@example.com" });
      const res = await ctx.app.request(path, {
        method,
        headers: { authorization, "content-type": "application/json" },
        body,
      });
      expectStatus({ status: res.status, json: (await res.json()) as Json }, [401], { method, path, authorization });
    });
  });

  it("hostile cursors and limits → 400", async () => {
    const cursors = fc.oneof(
      fc.string({ unit: "binary", minLength: 1, maxLength: 80 }),
      fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)).toString("base64url")),
      fc
        .tuple(fc.string({ maxLength: 30 }), fc.string({ unit: "binary", maxLength: 20 }))
        .map(([at, id]) => Buffer.from(JSON.stringify([at, id, "0"])).toString("base64url")),
    );
    const limits = fc.string({ maxLength: 8 }).filter((l) => {
      const n = Number(l);
      return !(Number.isInteger(n) && n >= 1 && n <= 200);
    });
    const query = (path: string) =>
      fc.oneof(
        // the catalog's cursor is the last slug seen, so any slug is a cursor there
        cursors.filter((c) => path !== "/v1/catalog/platforms" || !SLUG.test(c)).map((c) => `cursor=${encodeURIComponent(c)}`),
        limits.map((l) => `limit=${encodeURIComponent(l)}`),
      );
    const request = fc
      .constantFrom("/v1/watchlist", "/v1/channels", "/v1/catalog/platforms")
      .chain((p) => query(p).map((q) => `${p}?${q}`))
      .filter((url) => {
        try {
          decodeURIComponent(url);
          return true;
        } catch {
          return false;
        }
      });
    await refusesAll(request, 120, async (url) => {
      const res = await call(ctx, "GET", url, { token: pro.key });
      expectStatus(res, [400], url);
    });
  });

  it("hostile ids in paths → 400 or 404, never 5xx", async () => {
    const encodable = (x: string) => {
      try {
        encodeURIComponent(x);
        return true;
      } catch {
        return false; // a lone surrogate cannot even be put in a URL
      }
    };
    const id = fc.oneof(
      fc.string({ unit: "binary", minLength: 1, maxLength: 120 }).filter(encodable),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
      fc.constantFrom(
        "\u0000",
        "wat_\u0000",
        "%00",
        "' or 1=1 --",
        "x".repeat(101),
        "..",
        "usr_00000000000000000000000000000000",
      ),
    );
    const route = fc.constantFrom(
      ["GET", "/v1/watchlist/"],
      ["PATCH", "/v1/watchlist/"],
      ["DELETE", "/v1/watchlist/"],
      ["GET", "/v1/channels/"],
      ["PATCH", "/v1/channels/"],
      ["DELETE", "/v1/channels/"],
      ["GET", "/v1/admin/users/"],
    );
    await refusesAll(fc.tuple(route, id), 100, async ([[method, prefix], raw]) => {
      const token = prefix.startsWith("/v1/admin") ? ctx.adminToken : pro.key;
      const body = method !== "PATCH" ? undefined : prefix.includes("watchlist") ? { paused: true } : { enabled: false };
      const res = await call(ctx, method, `${prefix}${encodeURIComponent(raw)}`, { token, body });
      expectStatus(res, [400, 404], { method, prefix, raw });
    });
  });
});
