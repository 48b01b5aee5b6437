import type { OauthV2AccessResponse } from "@slack/web-api";

const SLACK_API = "https://slack.com/api/";

export type OAuthAccess = { ok: true; grant: OauthV2AccessResponse } | { ok: false; error: string };

/**
 * Slack's `oauth.v2.access` over plain `fetch` (form-encoded, client credentials as fields, as
 * the SDK sends them), so "Add to Slack" works on Node and in a Worker alike: `@slack/web-api`
 * rides axios, whose requests workerd refuses (`redirect: "error"`). `{ok: false}` is Slack
 * refusing (invalid_code, bad_client_secret…); a network error, a timeout or a non-200 answer
 * throws.
 *
 * @example const r = await slackOAuthAccess(config.slack.apiUrl, { client_id, client_secret, code, redirect_uri });
 */
export async function slackOAuthAccess(
  apiUrl: string | undefined,
  params: { client_id: string; client_secret: string; code: string; redirect_uri: string },
  timeoutMs = 10_000,
): Promise<OAuthAccess> {
  const res = await fetch(new URL("oauth.v2.access", apiUrl ?? SLACK_API), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (res.status !== 200) throw new Error(`Slack answered HTTP ${res.status}`);
  const body = (await res.json()) as OauthV2AccessResponse;
  return body.ok ? { ok: true, grant: body } : { ok: false, error: body.error ?? "unknown_error" };
}
