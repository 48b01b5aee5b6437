import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A local Slack Web API for tests, driven by the real `@slack/web-api` client
 * (`slackApiUrl: fake.apiUrl`). Like Slack it answers HTTP 200 with `{ok: false, error}` for
 * errors, 429 with Retry-After when rate limited; takes form-encoded bodies (where `blocks` is a
 * JSON string) or JSON; and accepts the token as a bearer header or a `token` field.
 * Methods: chat.postMessage, auth.test, oauth.v2.access.
 */

export interface SlackCall {
  /** e.g. "chat.postMessage" */
  method: string;
  headers: IncomingHttpHeaders;
  raw: string;
  /** the arguments, `blocks` parsed when it came as a JSON string */
  params: Record<string, unknown>;
  token?: string;
  at: number;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  token: string;
}

export interface ScriptedSlackAnswer {
  /** which method this answer is for (default chat.postMessage) */
  method?: string;
  /** answer `{ok: false, error}` with HTTP 200 */
  error?: string;
  /** an HTTP status: 429 sends Retry-After (`retryAfter`, default 1 s), 5xx an HTML error page */
  status?: number;
  retryAfter?: number;
  /** a whole JSON body (HTTP 200) */
  body?: Record<string, unknown>;
  delayMs?: number;
}

export interface OAuthGrant {
  access_token: string;
  team: { id: string; name: string };
  scope?: string;
  bot_user_id?: string;
  incoming_webhook?: { channel: string; channel_id: string; configuration_url: string; url: string };
}

export interface FakeSlackOptions {
  /** valid bot tokens; unset → any `xox?-…` token is valid */
  tokens?: string[];
  /** channels that exist; unset → every channel exists */
  channels?: string[];
  team?: { id: string; name: string };
  oauth?: { clientId: string; clientSecret: string; codes: Record<string, OAuthGrant> };
}

export interface FakeSlack {
  /** the server's base, `http://127.0.0.1:PORT` */
  url: string;
  /** what `slackApiUrl` takes: `${url}/api/` */
  apiUrl: string;
  requests: SlackCall[];
  messages: PostedMessage[];
  script(...answers: ScriptedSlackAnswer[]): void;
  close(): Promise<void>;
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const team = opts.team ?? { id: "T0FAKE", name: "Fake Workspace" };
  const requests: SlackCall[] = [];
  const messages: PostedMessage[] = [];
  const scripted: ScriptedSlackAnswer[] = [];
  let tsCounter = 0;
  const usedCodes = new Set<string>();

  const json = (res: ServerResponse, body: Record<string, unknown>, status = 200, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
    res.end(JSON.stringify(body));
  };
  const tokenValid = (t: string | undefined): t is string =>
    !!t && (opts.tokens ? opts.tokens.includes(t) : /^xox[a-z]-[A-Za-z0-9-]+$/.test(t));

  const handlers: Record<string, (call: SlackCall, req: IncomingMessage) => Record<string, unknown>> = {
    "chat.postMessage": (call) => {
      if (!call.token) return { ok: false, error: "not_authed" };
      if (!tokenValid(call.token)) return { ok: false, error: "invalid_auth" };
      const { channel, text, blocks } = call.params;
      if (typeof channel !== "string" || !channel) return { ok: false, error: "channel_not_found" };
      if (opts.channels && !opts.channels.includes(channel)) return { ok: false, error: "channel_not_found" };
      if (blocks !== undefined && !Array.isArray(blocks)) return { ok: false, error: "invalid_blocks_format" };
      if (Array.isArray(blocks) && blocks.length > 50) return { ok: false, error: "invalid_blocks" };
      if (!text && !(Array.isArray(blocks) && blocks.length)) return { ok: false, error: "no_text" };
      if (typeof text === "string" && text.length > 40_000) return { ok: false, error: "msg_too_long" };
      tsCounter++;
      const ts = `${Math.floor(Date.now() / 1000)}.${String(tsCounter).padStart(6, "0")}`;
      messages.push({
        channel,
        ts,
        text: text as string | undefined,
        blocks: blocks as unknown[] | undefined,
        token: call.token,
      });
      return { ok: true, channel, ts, message: { type: "message", user: "U0BOT", bot_id: "B0BOT", text, blocks, ts } };
    },
    "auth.test": (call) => {
      if (!call.token) return { ok: false, error: "not_authed" };
      if (!tokenValid(call.token)) return { ok: false, error: "invalid_auth" };
      return {
        ok: true,
        url: `https://${team.name.toLowerCase().replace(/\W+/g, "")}.slack.com/`,
        team: team.name,
        user: "clausewatch",
        team_id: team.id,
        user_id: "U0BOT",
        bot_id: "B0BOT",
      };
    },
    "oauth.v2.access": (call, req) => {
      if (!opts.oauth) return { ok: false, error: "invalid_client_id" };
      // client credentials come as Basic auth or as form fields
      let clientId = call.params.client_id as string | undefined;
      let clientSecret = call.params.client_secret as string | undefined;
      const basic = req.headers.authorization?.match(/^Basic (.+)$/);
      if (basic) [clientId, clientSecret] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
      if (clientId !== opts.oauth.clientId) return { ok: false, error: "invalid_client_id" };
      if (clientSecret !== opts.oauth.clientSecret) return { ok: false, error: "bad_client_secret" };
      const code = call.params.code as string | undefined;
      const grant = code ? opts.oauth.codes[code] : undefined;
      if (!code || !grant) return { ok: false, error: "invalid_code" };
      if (usedCodes.has(code)) return { ok: false, error: "invalid_grant_type" };
      usedCodes.add(code);
      return {
        ok: true,
        app_id: "A0FAKE",
        authed_user: { id: "U0USER" },
        scope: grant.scope ?? "chat:write",
        token_type: "bot",
        access_token: grant.access_token,
        bot_user_id: grant.bot_user_id ?? "U0BOT",
        team: grant.team,
        enterprise: null,
        is_enterprise_install: false,
        ...(grant.incoming_webhook ? { incoming_webhook: grant.incoming_webhook } : {}),
      };
    },
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const path = (req.url ?? "/").split("?")[0];
    const method = path.startsWith("/api/") ? path.slice(5) : path;
    const params = parseParams(raw, req.headers["content-type"] ?? "");
    const bearer = req.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    const token = bearer ?? (typeof params.token === "string" ? params.token : undefined);
    const call: SlackCall = { method, headers: req.headers, raw, params, token, at: Date.now() };
    requests.push(call);

    const i = scripted.findIndex((a) => (a.method ?? "chat.postMessage") === method);
    const answer = i >= 0 ? scripted.splice(i, 1)[0] : undefined;
    if (answer?.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (answer?.status === 429) {
      return json(res, { ok: false, error: "ratelimited" }, 429, { "retry-after": String(answer.retryAfter ?? 1) });
    }
    if (answer?.status && answer.status !== 200) {
      res.writeHead(answer.status, { "content-type": "text/html" });
      return res.end(`<html><body>${answer.status} upstream trouble</body></html>`);
    }
    if (answer?.error) return json(res, { ok: false, error: answer.error });
    if (answer?.body) return json(res, answer.body);

    const handler = handlers[method];
    if (!handler) return json(res, { ok: false, error: "unknown_method" });
    return json(res, handler(call, req));
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    apiUrl: `${url}/api/`,
    requests,
    messages,
    script: (...answers) => {
      scripted.push(...answers);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Form fields or JSON; Slack's clients send complex arguments (blocks) as JSON strings in forms. */
function parseParams(raw: string, contentType: string): Record<string, unknown> {
  let params: Record<string, unknown> = {};
  if (contentType.startsWith("application/json")) {
    try {
      params = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      params = {};
    }
  } else {
    params = Object.fromEntries(new URLSearchParams(raw));
  }
  for (const field of ["blocks", "attachments"]) {
    const v = params[field];
    if (typeof v === "string") {
      try {
        params[field] = JSON.parse(v);
      } catch {
        // left as the string: chat.postMessage answers invalid_blocks_format
      }
    }
  }
  return params;
}
