import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Answer, postSignedEvent, request } from "./lib";

export const FIXTURES_DIR = fileURLToPath(new URL("../test/fixtures/events/", import.meta.url));
export const DEMO_PLATFORMS = ["anthropic", "ideogram"] as const;

export interface DemoOptions {
  baseUrl: string;
  adminToken: string;
  ingestSecret: string;
  fixturesDir?: string;
  /** makes the e-mail address and event ids unique; default: time + random */
  runTag?: string;
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

export interface DemoResult {
  user: { id: string; email: string };
  apiKey: string;
  events: DemoEvent[];
  /** the demo user's notifications afterwards, when the service lists them */
  notifications: { id: string; kind: string; status: string; event_ids: string[] }[] | null;
}

const fail = (what: string, r: Answer) => new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
const json = (token: string, body: unknown): RequestInit => ({
  method: "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: JSON.stringify(body),
});

/**
 * The demo, against any running service: an operator creates a Watcher, who watches anthropic
 * and ideogram; then every fixture event is posted, signed, under a fresh id (so the demo can
 * run again on the same database), and the service's answers are collected.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const tag = o.runTag ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const email = `demo-${tag}@example.com`;

  const created = await request(o.baseUrl, "/v1/admin/users", json(o.adminToken, { email, tier: "watcher" }));
  if (created.status === 401) throw new Error("the service refused ADMIN_TOKEN (401): is it the token this service uses?");
  if (created.status !== 201) throw fail("creating the demo user", created);
  const { user, api_key: apiKey } = created.body as { user: { id: string }; api_key: string };

  for (const platform of DEMO_PLATFORMS) {
    const w = await request(o.baseUrl, "/v1/watchlist", json(apiKey, { platform }));
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

  const listed = await request(o.baseUrl, "/v1/notifications?limit=200", {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  const notifications = listed.status === 200 ? (listed.body as { items: DemoResult["notifications"] & object }).items : null;
  return { user: { id: user.id, email }, apiKey, events, notifications };
}
