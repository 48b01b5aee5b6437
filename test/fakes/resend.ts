import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local Resend API for tests, driven by the real `resend` SDK (`new Resend(key, { baseUrl: fake.url })`).
 * It answers like Resend: `POST /emails` → `{id}`, `POST /emails/batch` → `{data: [{id}]}`, errors
 * `{statusCode, name, message}` with that status; checks the bearer key; de-duplicates by
 * Idempotency-Key (same key and payload → the first answer again, nothing new sent; another payload
 * → 409 invalid_idempotent_request; while the first is still in progress → 409
 * concurrent_idempotent_requests); rate limits with `ratelimit-*` headers and 429 + retry-after.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  /** lower-cased, as Node gives them */
  headers: IncomingHttpHeaders;
  raw: string;
  body: unknown;
  at: number;
  /** the status the fake answered */
  status?: number;
}

export interface SentEmail {
  id: string;
  idempotencyKey?: string;
  from: string;
  to: string | string[];
  subject: string;
  html?: string;
  text?: string;
  headers?: Record<string, string>;
}

export interface ScriptedResponse {
  status: number;
  /** JSON body; for errors defaults to Resend's shape for the status */
  body?: unknown;
  /** a raw (non-JSON) body, e.g. a proxy's HTML error page */
  rawBody?: string;
  headers?: Record<string, string>;
  /** wait before answering (the request counts as in progress meanwhile) */
  delayMs?: number;
}

export interface FakeResend {
  url: string;
  requests: RecordedRequest[];
  /** emails Resend would have delivered (a de-duplicated retry adds nothing) */
  emails: SentEmail[];
  /** the next calls to /emails or /emails/batch get these answers, in order */
  script(...responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

const ERROR_NAMES: Record<number, string> = {
  400: "validation_error",
  401: "missing_api_key",
  403: "invalid_api_key",
  404: "not_found",
  409: "concurrent_idempotent_requests",
  422: "validation_error",
  429: "rate_limit_exceeded",
  500: "internal_server_error",
  502: "application_error",
  503: "application_error",
};

const errorBody = (statusCode: number, name: string, message: string) => ({ statusCode, name, message });

export async function startFakeResend(opts: { apiKey?: string; ratePerSecond?: number } = {}): Promise<FakeResend> {
  const apiKey = opts.apiKey ?? "re_test_key";
  const limit = opts.ratePerSecond ?? 10;
  const requests: RecordedRequest[] = [];
  const emails: SentEmail[] = [];
  const scripted: ScriptedResponse[] = [];
  const stored = new Map<string, { hash: string; status: number; body: unknown }>();
  const inProgress = new Set<string>();
  /** arrival times of rate-limited calls within the last second (a sliding window) */
  let window: number[] = [];

  const send = (
    res: ServerResponse,
    rec: RecordedRequest,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    rec.status = status;
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? "/").split("?")[0];
    const rec: RecordedRequest = { method: req.method ?? "", path, headers: req.headers, raw, body, at: Date.now() };
    requests.push(rec);

    if (req.method !== "POST" || (path !== "/emails" && path !== "/emails/batch")) {
      return send(res, rec, 404, errorBody(404, "not_found", "The requested endpoint does not exist."));
    }
    const auth = req.headers.authorization ?? "";
    if (!auth.startsWith("Bearer ") || auth.length <= 7) {
      return send(res, rec, 401, errorBody(401, "missing_api_key", "Missing API key in the authorization header."));
    }
    if (auth.slice(7) !== apiKey) return send(res, rec, 401, errorBody(401, "validation_error", "API key is invalid"));

    // Resend's rate limit: `limit` requests per second per team, reported on every answer.
    const now = Date.now();
    window = window.filter((t) => t > now - 1000);
    const rateHeaders = (count: number) => ({
      "ratelimit-limit": String(limit),
      "ratelimit-remaining": String(Math.max(0, limit - count)),
      "ratelimit-reset": String(Math.max(1, Math.ceil(((window[0] ?? now) + 1000 - now) / 1000))),
    });
    if (window.length >= limit) {
      return send(
        res,
        rec,
        429,
        errorBody(429, "rate_limit_exceeded", "Too many requests. Please limit the number of requests per second."),
        {
          ...rateHeaders(window.length),
          "retry-after": "1",
        },
      );
    }
    window.push(now);
    const headers = rateHeaders(window.length);

    const key = req.headers["idempotency-key"] as string | undefined;
    const hash = createHash("sha256").update(raw).digest("hex");
    if (key !== undefined) {
      if (key.length < 1 || key.length > 256) {
        return send(res, rec, 400, errorBody(400, "invalid_idempotency_key", "The key must be between 1-256 chars."), headers);
      }
      if (inProgress.has(key)) {
        return send(
          res,
          rec,
          409,
          errorBody(
            409,
            "concurrent_idempotent_requests",
            "Same idempotency key used while original request is still in progress.",
          ),
          headers,
        );
      }
      const prior = stored.get(key);
      if (prior) {
        if (prior.hash !== hash) {
          return send(
            res,
            rec,
            409,
            errorBody(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload."),
            headers,
          );
        }
        return send(res, rec, prior.status, prior.body, headers);
      }
      inProgress.add(key);
    }
    const scriptedAnswer = scripted.shift();
    try {
      if (scriptedAnswer?.delayMs) await new Promise((r) => setTimeout(r, scriptedAnswer.delayMs));
      if (scriptedAnswer && !(scriptedAnswer.status >= 200 && scriptedAnswer.status < 300)) {
        // Resend keeps only what it sent: a failed request may be retried with the same key
        rec.status = scriptedAnswer.status;
        res.writeHead(scriptedAnswer.status, {
          "content-type": scriptedAnswer.rawBody ? "text/html" : "application/json",
          ...headers,
          ...scriptedAnswer.headers,
        });
        const name = ERROR_NAMES[scriptedAnswer.status] ?? "application_error";
        return res.end(
          scriptedAnswer.rawBody ??
            JSON.stringify(scriptedAnswer.body ?? errorBody(scriptedAnswer.status, name, `scripted ${scriptedAnswer.status}`)),
        );
      }
      const problem =
        path === "/emails" ? validate(body) : Array.isArray(body) ? body.map(validate).find(Boolean) : "body must be an array";
      if (problem)
        return send(
          res,
          rec,
          422,
          errorBody(422, problem.startsWith("Invalid `from`") ? "invalid_from_address" : "validation_error", problem),
          headers,
        );
      const items = (path === "/emails" ? [body] : (body as unknown[])) as Omit<SentEmail, "id">[];
      const ids = items.map((item) => {
        const id = randomUUID();
        emails.push({ ...item, id, idempotencyKey: key });
        return id;
      });
      const answer = path === "/emails" ? { id: ids[0] } : { data: ids.map((id) => ({ id })) };
      const status = scriptedAnswer?.status ?? 200;
      if (key !== undefined) stored.set(key, { hash, status, body: answer });
      return send(res, rec, status, answer, { ...headers, ...scriptedAnswer?.headers });
    } finally {
      if (key !== undefined) inProgress.delete(key);
    }
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    emails,
    script: (...responses) => {
      scripted.push(...responses);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const MAILBOX = /^(?:[^<>]*<)?[^\s@<>]+@[^\s@<>]+(?:>)?$/;

/** The checks Resend makes before accepting an email (the ones these tests need). */
function validate(email: unknown): string | undefined {
  if (typeof email !== "object" || email === null) return "body must be an object";
  const e = email as Record<string, unknown>;
  for (const field of ["from", "to", "subject"]) if (!e[field]) return `Missing \`${field}\` field.`;
  if (!e.html && !e.text) return "Missing `html` or `text` field.";
  if (typeof e.from !== "string" || !MAILBOX.test(e.from.trim())) {
    return "Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.";
  }
  const to = Array.isArray(e.to) ? e.to : [e.to];
  if (to.length > 50 || to.some((t) => typeof t !== "string" || !MAILBOX.test(t))) return "Invalid `to` field.";
  return undefined;
}
