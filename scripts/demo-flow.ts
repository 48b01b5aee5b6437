import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Answer, postSignedEvent, request, waitForFanout } from "./lib";

export const FIXTURES_DIR = fileURLToPath(new URL("../test/fixtures/events/", import.meta.url));
export const DEMO_PLATFORMS = ["anthropic", "ideogram"] as const;

export interface DemoOptions {
  baseUrl: string;
  adminToken: string;
  ingestSecret: string;
  fixturesDir?: string;
  /** makes the e-mail address and event ids unique; default: time + random */
  runTag?: string;
  /** how long to wait for the fan-out and then for the alert to be sent; default 10 s */
  waitMs?: number;
}

export interface DemoEvent {
  file: string;
  eventId: string;
  platform: string;
  status: number;
  matchedUsers?: number;
  alerts?: number;
  digestItems?: number;
  body: unknown;
}

/** The fields of a notification (API.md) the demo reports on. */
export interface DemoNotification {
  id: string;
  kind: string;
  status: string;
  status_reason: string | null;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  provider_message_id: string | null;
  event_ids: string[];
  sent_at: string | null;
}

export interface DemoUser {
  id: string;
  email: string;
  timezone: string;
  alerts: { window_minutes: number; quiet_hours: { start: string; end: string } | null };
}

export interface DemoResult {
  user: DemoUser;
  apiKey: string;
  events: DemoEvent[];
  /** the demo user's notifications once the alerts were sent or the wait ran out; null when the service does not list them */
  notifications: DemoNotification[] | null;
  /** when that list was read (what "due" is judged against) */
  checkedAt: Date;
}

const fail = (what: string, r: Answer) => new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
const send = (method: string, token: string, body: unknown): RequestInit => ({
  method,
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: JSON.stringify(body),
});
const bearer = (token: string): RequestInit => ({ headers: { authorization: `Bearer ${token}` } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const UNSETTLED = new Set(["pending", "sending"]);

/**
 * The demo, against any running service: an operator creates a Watcher, who asks for alerts at
 * once (`window_minutes: 0`, so the demo ends with an email rather than a 15-minute wait) and
 * watches anthropic and ideogram; then every fixture event is posted, signed, under a fresh id (so
 * the demo can run again on the same database); then it waits, bounded, for the fan-out and for
 * the alerts to leave, and answers what it saw.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const tag = o.runTag ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const email = `demo-${tag}@example.com`;
  const deadline = Date.now() + (o.waitMs ?? 10_000);

  const created = await request(o.baseUrl, "/v1/admin/users", send("POST", o.adminToken, { email, tier: "watcher" }));
  if (created.status === 401) throw new Error("the service refused ADMIN_TOKEN (401): is it the token this service uses?");
  if (created.status !== 201) throw fail("creating the demo user", created);
  const { user, api_key: apiKey } = created.body as { user: { id: string }; api_key: string };

  // The admin API creates users with the default window; the user's own settings change it.
  const me = await request(o.baseUrl, "/v1/me", send("PATCH", apiKey, { alerts: { window_minutes: 0 } }));
  if (me.status !== 200) throw fail("asking for alerts at once (PATCH /v1/me)", me);
  const demoUser = { ...(me.body as Omit<DemoUser, "email">), id: user.id, email };

  for (const platform of DEMO_PLATFORMS) {
    const w = await request(o.baseUrl, "/v1/watchlist", send("POST", apiKey, { platform }));
    if (w.status !== 201) throw fail(`watching ${platform}`, w);
  }

  const dir = o.fixturesDir ?? FIXTURES_DIR;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort();
  const events: DemoEvent[] = [];
  for (const file of files) {
    const event = JSON.parse(readFileSync(join(dir, file), "utf8")) as { id: string; platform: { slug: string } };
    const eventId = `${event.id}~demo-${tag}`;
    const r = await postSignedEvent(o.baseUrl, o.ingestSecret, JSON.stringify({ ...event, id: eventId }, null, 2));
    if (r.status === 401) throw new Error("the service refused the event signature (401): is INGEST_SECRET this service's?");
    const b = (r.body ?? {}) as { matched_users?: number; alerts?: number; digest_items?: number };
    events.push({
      file,
      eventId,
      platform: event.platform.slug,
      status: r.status,
      matchedUsers: b.matched_users,
      alerts: b.alerts,
      digestItems: b.digest_items,
      body: r.body,
    });
  }

  await readFanout(o, events, deadline);
  const notifications = await awaitAlerts(o.baseUrl, apiKey, events, deadline);
  return { user: demoUser, apiKey, events, notifications, checkedAt: new Date() };
}

/**
 * A service that fans out after answering (202 without counts) records what the fan-out did on
 * the event: read it there, waiting for `fanned_out_at`, so the table shows numbers, not dashes.
 */
async function readFanout(o: DemoOptions, events: DemoEvent[], deadline: number) {
  for (const e of events) {
    if (e.status !== 202 || e.matchedUsers !== undefined) continue;
    const counts = await waitForFanout(o.baseUrl, o.adminToken, e.eventId, deadline);
    if (!counts) continue;
    e.matchedUsers = counts.matched_users;
    e.alerts = counts.alerts;
    e.digestItems = counts.digest_items;
  }
}

/**
 * Polls the user's notifications until every alert has left the queue (sent, failed or
 * suppressed) or the deadline passes; answers the last list either way, the caller explains.
 */
async function awaitAlerts(baseUrl: string, apiKey: string, events: DemoEvent[], deadline: number) {
  const expectAlert = events.some((e) => (e.alerts ?? 0) > 0);
  for (;;) {
    const listed = await request(baseUrl, "/v1/notifications?limit=200", bearer(apiKey));
    if (listed.status !== 200) return null;
    const items = (listed.body as { items: DemoNotification[] }).items;
    const alerts = items.filter((n) => n.kind === "alert");
    const settled = alerts.every((n) => !UNSETTLED.has(n.status)) && (alerts.length > 0 || !expectAlert);
    if (settled || Date.now() >= deadline) return items;
    await sleep(200);
  }
}

/** Where an email went: `outbox:<id>` is the service's DATA_DIR/outbox/<id>.html (src/delivery/channels/email.ts). */
export function outboxFile(n: Pick<DemoNotification, "id" | "provider_message_id">): string | null {
  if (!n.provider_message_id?.startsWith("outbox:")) return null;
  // the channel's file-name rule; notification ids (`ntf_<hex>`) pass it unchanged
  return `${n.id.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^\.+/, "_")}.html`;
}

/**
 * Why an alert has not left yet, in the user's words; null when it has (sent).
 * `now` is when its status was read.
 */
export function whyNotSent(n: DemoNotification, user: DemoUser, now: Date): string | null {
  switch (n.status) {
    case "sent":
      return null;
    case "sending":
      return "it was being sent when the demo stopped waiting: look again in a moment";
    case "failed":
      return `it failed: ${n.last_error ?? n.status_reason ?? "no reason recorded"}`;
    case "suppressed":
      return `it was suppressed: ${n.status_reason ?? "no reason recorded"}`;
  }
  const due = n.next_attempt_at ? new Date(n.next_attempt_at) : null;
  if (due && due > now) {
    const q = user.alerts.quiet_hours;
    if (n.attempts > 0)
      return `the last attempt failed (${n.last_error ?? "no reason recorded"}); it is retried at ${n.next_attempt_at}`;
    if (q) return `it is held until ${n.next_attempt_at}: quiet hours ${q.start}–${q.end} (${user.timezone})`;
    return `it is due at ${n.next_attempt_at}, when its grouping window of ${user.alerts.window_minutes} minutes ends`;
  }
  return "it is due, but no dispatcher has picked it up: is the service's delivery running (see its log)?";
}
