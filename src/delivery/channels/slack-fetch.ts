import { retryAfterMs } from "../pacing";
import type { Channel, SendResult } from "../types";
import { classifySlackCode, pacedSlackChannel, type SlackPacingOptions } from "./slack-errors";

const SLACK_API = "https://slack.com/api/";

interface SlackFetchChannelOptions extends SlackPacingOptions {
  /** SLACK_API_URL, e.g. `http://127.0.0.1:PORT/api/`; Slack's when unset */
  apiUrl?: string;
  /** per request (default 10 s); an abort is retried */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Slack's `chat.postMessage` over plain `fetch`, for the Worker: `@slack/web-api` rides on axios
 * and Node's http stack, which workerd only emulates. Same request as the SDK's (form-encoded,
 * `blocks` as a JSON string, the bot token as a bearer), same classification (slack-errors.ts),
 * no retries of its own: the outbox retries on its schedule.
 *
 * @example channels.slack = createSlackFetchChannel({ apiUrl: env.SLACK_API_URL, render: renderSlack });
 */
export function createSlackFetchChannel(opts: SlackFetchChannelOptions): Channel {
  const doFetch = opts.fetch ?? fetch;
  const endpoint = new URL("chat.postMessage", opts.apiUrl ?? SLACK_API).toString();

  async function post(token: string, form: URLSearchParams): Promise<SendResult> {
    let res: Response;
    try {
      res = await doFetch(endpoint, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
    } catch (err) {
      return { kind: "retry", reason: `Slack unreachable: ${err instanceof Error ? err.message : String(err)}` };
    }
    const text = await res.text().catch(() => "");
    if (res.status === 429) {
      const afterMs = retryAfterMs(res.headers.get("retry-after"));
      return { kind: "retry", reason: `Slack rate limited (retry after ${Math.ceil((afterMs ?? 0) / 1000)} s)`, afterMs };
    }
    // Slack uses no other status codes on purpose: 5xx is an outage, anything else a proxy in between.
    if (res.status !== 200) return { kind: "retry", reason: `Slack HTTP ${res.status}`, response: text.slice(0, 1024) };
    let body: { ok?: boolean; error?: string; ts?: string };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return { kind: "retry", reason: "Slack answered something other than JSON", response: text.slice(0, 1024) };
    }
    if (body.ok) return { kind: "sent", providerId: body.ts };
    return classifySlackCode(body.error ?? "unknown_error", retryAfterMs(res.headers.get("retry-after")));
  }

  return pacedSlackChannel(opts, (token, channel, rendered) =>
    post(token, new URLSearchParams({ channel, text: rendered.text, blocks: JSON.stringify(rendered.blocks) })),
  );
}
