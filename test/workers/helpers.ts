import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import postgres from "postgres";
import { Webhook } from "standardwebhooks";
import worker from "../../src/worker";

export { env };

let seq = 0;
/** A unique suffix, so tests sharing the database never see each other's rows. */
export const uniq = (prefix = "t") =>
  `${prefix}-${Date.now().toString(36)}-${(seq++).toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** One request through the Worker's fetch handler, waiting for what it left to `waitUntil`. */
export async function request(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined = opts.raw;
  if (opts.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://clausewatch.test${path}`, { method, headers, body }), env, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  let json: Record<string, unknown> = {};
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { text };
  }
  return { status: res.status, json, headers: res.headers };
}

export async function createUser(body: Record<string, unknown> = {}) {
  const email = `${uniq("user")}@example.com`;
  const res = await request("POST", "/v1/admin/users", { token: env.ADMIN_TOKEN, body: { email, ...body } });
  if (res.status !== 201) throw new Error(`createUser: ${res.status} ${JSON.stringify(res.json)}`);
  return { id: (res.json.user as { id: string }).id, key: res.json.api_key as string, email };
}

/** Posts an event signed as the pipeline signs it (Standard Webhooks, INGEST_SECRET). */
export function postEvent(event: unknown) {
  const raw = JSON.stringify(event);
  const id = `msg_${uniq()}`;
  const now = new Date();
  return request("POST", "/v1/events", {
    raw,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": new Webhook(env.INGEST_SECRET).sign(id, now, raw),
    },
  });
}

/**
 * Direct SQL for what the tests check or arrange. Never `end()`ed: inside workerd that leaves an
 * unhandled "Stream was cancelled"; the runtime closes the socket with the test.
 */
export function sql() {
  return postgres(env.HYPERDRIVE?.connectionString as string, { max: 1, onnotice: () => {} });
}
