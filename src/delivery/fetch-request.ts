import type { GuardedOutcome, GuardedRequestOptions } from "./guarded-request";
import { checkWebhookUrl } from "./ssrf";

/**
 * The webhook request of the Worker, over `fetch`. A Worker cannot see or steer DNS, so the guard
 * here is what can be decided without it: the URL check of channel creation (scheme, no
 * credentials, literal addresses in the refused ranges — IPv4, IPv6 and the IPv6 forms carrying
 * an IPv4 — and the localhost names), made again at every send; redirects are never followed
 * (`redirect: "manual"`: a 3xx is an answer, retried like on Node). A name that resolves to a
 * private address is left to Cloudflare's egress, which does not route to private networks from
 * a deployed Worker (under `wrangler dev` the request leaves from this machine, so keep
 * ALLOW_PRIVATE_WEBHOOK_TARGETS off unless the receivers are local on purpose). Never throws.
 *
 * @example createWebhookChannel({ allowPrivate: false, render: renderWebhook, request: fetchGuardedRequest });
 */
export async function fetchGuardedRequest(opts: GuardedRequestOptions): Promise<GuardedOutcome> {
  const check = await checkWebhookUrl(String(opts.url), { allowPrivate: opts.allowPrivate });
  if (!check.ok) return { kind: "refused", reason: check.reason };
  const maxBytes = opts.maxResponseBytes ?? 1024;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), opts.timeoutMs);
  let res: Response;
  try {
    res = await fetch(check.url, {
      method: "POST",
      headers: opts.headers,
      body: opts.body,
      redirect: "manual",
      signal: deadline.signal,
    });
  } catch (err) {
    clearTimeout(timer);
    if (deadline.signal.aborted) return { kind: "timeout", reason: `no response within ${opts.timeoutMs} ms` };
    return { kind: "error", reason: `network error: ${err instanceof Error ? err.message : String(err)}` };
  }
  const headers = Object.fromEntries([...res.headers].map(([k, v]) => [k.toLowerCase(), v]));
  // A receiver that sent its status but then stalls the body has still answered: keep what came.
  const body = await readSome(res, maxBytes).finally(() => clearTimeout(timer));
  return { kind: "response", status: res.status, headers, body };
}

/** Up to `maxBytes` of the body as text; the rest is not waited for. */
async function readSome(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // aborted by the deadline or reset mid-body: what arrived is the answer
  } finally {
    reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(Math.min(size, maxBytes));
  let at = 0;
  for (const c of chunks) {
    const part = c.subarray(0, all.length - at);
    all.set(part, at);
    at += part.length;
    if (at >= all.length) break;
  }
  return new TextDecoder().decode(all);
}
