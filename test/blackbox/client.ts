import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Webhook } from "standardwebhooks";
import { expect } from "vitest";

/**
 * The black-box suite's only way in: HTTP to BLACKBOX_URL, as any client of the contract would.
 * Nothing here imports the service; the operator token and the ingest secret are the ones the
 * service was started with (scripts/blackbox.ts generates and passes both), and BLACKBOX_MAILBOX_URL
 * lists what the local Resend the service sends through has taken (test/blackbox/mailbox.ts).
 */

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with npm run test:blackbox -- --target node|worker`);
  return value;
}

export const BASE_URL = required("BLACKBOX_URL").replace(/\/+$/, "");
export const ADMIN_TOKEN = required("BLACKBOX_ADMIN_TOKEN");
export const INGEST_SECRET = required("BLACKBOX_INGEST_SECRET");
export const MAILBOX_URL = required("BLACKBOX_MAILBOX_URL");

export type Json = Record<string, unknown>;

export interface Answer {
  status: number;
  headers: Headers;
  json: Json;
  text: string;
}

let seq = 0;
/** A unique suffix, so tests (and runs against a long-lived service) never meet each other's rows. */
export const uniq = (prefix = "bb") => `${prefix}-${Date.now().toString(36)}-${(seq++).toString(36)}-${randomUUID().slice(0, 6)}`;

export async function call(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body = opts.raw;
  if (opts.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(`${BASE_URL}${path}`, { method, headers, body, redirect: "manual" });
  const text = await res.text();
  let json: Json = {};
  try {
    json = text ? (JSON.parse(text) as Json) : {};
  } catch {
    json = {};
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** The contract's error shape, `{"error": {"code", "message", "request_id"}}`, with this code and status. */
export function expectError(res: Answer, status: number, code: string): { code: string; message: string; request_id: string } {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(res.json).toEqual({ error: { code, message: expect.any(String), request_id: expect.any(String) } });
  return res.json.error as { code: string; message: string; request_id: string };
}

export interface User {
  id: string;
  key: string;
  email: string;
}

/** A user made through the operator API; `alertsAtOnce` sets the grouping window to 0. */
export async function createUser(body: Json = {}, opts: { alertsAtOnce?: boolean } = {}): Promise<User> {
  const email = `${uniq("user")}@example.com`;
  const res = await call("POST", "/v1/admin/users", { token: ADMIN_TOKEN, body: { email, ...body } });
  expect(res.status, res.text).toBe(201);
  const user = { id: (res.json.user as { id: string }).id, key: res.json.api_key as string, email };
  if (opts.alertsAtOnce) {
    const me = await call("PATCH", "/v1/me", { token: user.key, body: { alerts: { window_minutes: 0 } } });
    expect(me.status, me.text).toBe(200);
  }
  return user;
}

export async function watch(user: User, body: Json): Promise<Json> {
  const res = await call("POST", "/v1/watchlist", { token: user.key, body });
  expect(res.status, res.text).toBe(201);
  return res.json;
}

/** Adds a webhook channel; answers its id and the signing secret (shown once, at creation). */
export async function addWebhook(user: User, url: string): Promise<{ id: string; secret: string }> {
  const res = await call("POST", "/v1/channels", { token: user.key, body: { type: "webhook", url } });
  expect(res.status, res.text).toBe(201);
  return { id: res.json.id as string, secret: res.json.signing_secret as string };
}

const fixturesDir = fileURLToPath(new URL("../fixtures/events/", import.meta.url));

/** A realistic event from test/fixtures/events/ with a fresh id and, unless given, a fresh platform. */
export function freshEvent(name: string, platform = uniq("platform")) {
  const event = JSON.parse(readFileSync(`${fixturesDir}${name}.json`, "utf8")) as Json & {
    id: string;
    platform: { slug: string; name: string };
    document: { slug: string; title: string };
    summary: string;
  };
  event.id = uniq("evt");
  event.platform = { ...event.platform, slug: platform };
  return event;
}

export const fixtureNames = readdirSync(fixturesDir)
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.replace(/\.json$/, ""))
  .sort();

/** Posts the bytes as the pipeline does: Standard Webhooks headers, signed with INGEST_SECRET. */
export function postEvent(
  event: unknown,
  opts: { secret?: string; raw?: string; timestamp?: Date; signature?: string | null } = {},
): Promise<Answer> {
  const raw = opts.raw ?? JSON.stringify(event);
  const msgId = `msg_${uniq()}`;
  const at = opts.timestamp ?? new Date();
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "webhook-id": msgId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
  };
  const signature =
    opts.signature === undefined ? new Webhook(opts.secret ?? INGEST_SECRET).sign(msgId, at, raw) : opts.signature;
  if (signature !== null) headers["webhook-signature"] = signature;
  return call("POST", "/v1/events", { raw, headers });
}

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

export interface FanOut {
  fanned_out_at: string;
  matched_users: number;
  alerts: number;
  digest_items: number;
}

/** What the fan-out did for an event, read from `GET /v1/admin/events/{id}` once it has run. */
export function fannedOut(eventId: string): Promise<FanOut> {
  return eventually(`the fan-out of ${eventId}`, async () => {
    const res = await call("GET", `/v1/admin/events/${encodeURIComponent(eventId)}`, { token: ADMIN_TOKEN });
    expect(res.status, res.text).toBe(200);
    return res.json.fanned_out_at ? (res.json as unknown as FanOut) : undefined;
  });
}
