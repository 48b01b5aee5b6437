import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Resend } from "resend";
import { createTokenBucket, retryAfterMs, type TokenBucket } from "../pacing";
import { RenderUnavailableError } from "../render/unavailable";
import type { Channel, OutboundMessage, RenderEmail, RenderedEmail, SendResult } from "../types";

/** What Resend's SDK hands back instead of throwing (`error` of `{ data, error, headers }`). */
export interface ResendError {
  statusCode?: number | null;
  name?: string;
  message?: string;
}

/*
 * Resend answers by status; a few names refine it. Sorted by who has to act:
 * - retryable: nothing is wrong with the message or with us; the same request will pass later.
 *   429 (per-second rate, daily or monthly quota), 5xx, no answer at all (statusCode null), and
 *   409 concurrent_idempotent_requests (our own earlier attempt is still being processed).
 * - held: 401/403 mean *our* API key or sending domain is wrong (missing, invalid or restricted
 *   key, unverified domain); failing the message would lose it for nothing. 404/405 on
 *   POST /emails mean RESEND_BASE_URL points somewhere else: also ours to fix.
 * - terminal: 400/422 (this message is invalid), 451 security_error, any other 4xx.
 * - already sent: 409 invalid_idempotent_request. Resend keeps a key only once it has sent the
 *   email, and our key is the notification id, used by no other notification: so an earlier
 *   attempt of this very message went out (its answer was lost) and this one rendered differently
 *   (e.g. links signed at another time). Failing it would report a delivered email as failed, and
 *   a manual resend would hit the same 409 forever. Resend does not return the first email's id.
 * The SDK passes a JSON error body through as-is, so `statusCode` is missing when a body lacks it
 * (a proxy's error page, say); then the name decides, and an unknown name is retried, not dropped.
 */
const HELD_STATUSES = new Set([401, 403, 404, 405]);
const HELD_NAMES = new Set(["missing_api_key", "restricted_api_key", "invalid_api_key"]);
const ALREADY_SENT = "invalid_idempotent_request";
const TERMINAL_NAMES = new Set([
  "validation_error",
  "missing_required_field",
  "invalid_from_address",
  "invalid_attachment",
  "invalid_idempotency_key",
  "invalid_parameter",
  "invalid_access",
  "invalid_region",
  "security_error",
]);

function describe(e: ResendError): string {
  return `Resend ${e.statusCode ?? "no response"}${e.name ? ` ${e.name}` : ""}${e.message ? `: ${e.message}` : ""}`.slice(
    0,
    1024,
  );
}

/** A header from the SDK's lower-cased header record. */
const header = (headers: Record<string, string> | null, name: string) => headers?.[name] ?? undefined;

/** Resend's `ratelimit-reset` (seconds until the window resets), in ms; undefined when absent. */
function resetMs(headers: Record<string, string> | null): number | undefined {
  const v = header(headers, "ratelimit-reset");
  return v && /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : undefined;
}

export function classifyResendError(error: ResendError, headers: Record<string, string> | null): SendResult {
  const reason = describe(error);
  const status = typeof error.statusCode === "number" ? error.statusCode : undefined;
  const name = error.name ?? "";
  const retry = (afterMs?: number): SendResult => ({ kind: "retry", reason, afterMs, response: reason });
  const wait = retryAfterMs(header(headers, "retry-after")) ?? (status === 429 ? resetMs(headers) : undefined);

  if (name === ALREADY_SENT && (status === undefined || status === 409)) {
    return { kind: "sent", response: `${reason} (an earlier attempt with this Idempotency-Key was sent)` };
  }
  if (status === undefined) {
    if (HELD_NAMES.has(name)) return { kind: "held", reason };
    if (TERMINAL_NAMES.has(name)) return { kind: "permanent", reason, response: reason };
    return retry(wait);
  }
  if (status === 409)
    return name === "concurrent_idempotent_requests" ? retry(wait ?? 1000) : { kind: "permanent", reason, response: reason };
  if (status === 429 || status >= 500) return retry(wait);
  if (HELD_STATUSES.has(status)) return { kind: "held", reason };
  if (status >= 400) return { kind: "permanent", reason, response: reason };
  return retry(wait);
}

export interface ResendChannelOptions {
  apiKey: string;
  /** RESEND_BASE_URL; passed to the SDK so nothing reads or writes process.env here */
  baseUrl?: string;
  /** EMAIL_FROM, `Name <addr@host>` allowed */
  from: string;
  render: RenderEmail;
  /** Resend's per-team request rate (default 5/s); requests are spaced evenly */
  ratePerSecond?: number;
  /** per request; an abort counts as "no answer" and is retried (default 30 s) */
  timeoutMs?: number;
  /** share one bucket between channels that use the same Resend team */
  bucket?: TokenBucket;
  /** when the bucket would make a send wait longer than this, answer retry instead (default 10 s) */
  maxPacingWaitMs?: number;
  userAgent?: string;
}

/**
 * Email through Resend. The notification id is the Idempotency-Key, so a retry after an
 * ambiguous failure (timeout, 5xx after acceptance) never sends the email twice within Resend's
 * 24 h window — provided the renderer gives the same output for the same message.
 * @example channels.email = createResendChannel({ apiKey, from: env.EMAIL_FROM, render: renderEmail });
 */
export function createResendChannel(opts: ResendChannelOptions): Channel {
  // Both given explicitly: left unset, the SDK falls back to RESEND_API_KEY / RESEND_BASE_URL /
  // RESEND_USER_AGENT from process.env, and configuration is read once, at the entry point.
  if (!opts.apiKey) throw new Error("createResendChannel needs an API key (use the outbox channel without one)");
  const resend = new Resend(opts.apiKey, {
    baseUrl: (opts.baseUrl ?? "https://api.resend.com").replace(/\/+$/, ""),
    userAgent: opts.userAgent ?? "clausewatch",
  });
  const bucket = opts.bucket ?? createTokenBucket({ ratePerSecond: opts.ratePerSecond ?? 5 });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxWait = opts.maxPacingWaitMs ?? 10_000;

  return {
    async send(msg) {
      const email = await renderSafely(opts.render, msg);
      if ("kind" in email) return email;
      // A long pause (quota spent, Retry-After of minutes) is the dispatcher's to wait out, not ours.
      const delay = bucket.delay();
      if (delay > maxWait) return { kind: "retry", reason: "Resend rate limit: paced", afterMs: Math.ceil(delay) };
      try {
        await bucket.acquire();
        const { data, error, headers } = await resend.emails.send(
          {
            from: opts.from,
            to: msg.channel.target,
            subject: email.subject,
            html: email.html,
            text: email.text,
            headers: email.headers,
          },
          { idempotencyKey: msg.id, signal: AbortSignal.timeout(timeoutMs) },
        );
        // Resend's rate-limit headers: when the window is spent, hold everyone back until it resets.
        const reset = resetMs(headers);
        if (header(headers, "ratelimit-remaining") === "0" && reset !== undefined) bucket.pauseFor(reset);
        if (error) {
          const result = classifyResendError(error, headers);
          if (result.kind === "retry" && error.statusCode === 429) bucket.pauseFor(result.afterMs ?? reset ?? 1000);
          return result;
        }
        return { kind: "sent", providerId: data.id };
      } catch (err) {
        // The SDK reports failures as values; anything thrown is unexpected, so try again later.
        return { kind: "retry", reason: `Resend call failed: ${errorText(err)}` };
      }
    },
  };
}

export interface OutboxDirChannelOptions {
  /** DATA_DIR/outbox */
  dir: string;
  from: string;
  render: RenderEmail;
  now?: () => Date;
}

/**
 * Without RESEND_API_KEY emails land in a directory: `<id>.html`, `<id>.txt` and `<id>.json`
 * (from, to, subject, headers, created_at). The caller picks this channel at start-up.
 * @example channels.email = createOutboxDirChannel({ dir: join(env.DATA_DIR, "outbox"), from, render });
 */
export function createOutboxDirChannel(opts: OutboxDirChannelOptions): Channel {
  const now = opts.now ?? (() => new Date());
  return {
    async send(msg) {
      const email = await renderSafely(opts.render, msg);
      if ("kind" in email) return email;
      // ids are ours (`ntf_<hex>`), but a file name must never climb out of the directory
      const base = msg.id.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^\.+/, "_");
      const meta = {
        from: opts.from,
        to: msg.channel.target,
        subject: email.subject,
        headers: email.headers,
        created_at: now().toISOString(),
      };
      try {
        await mkdir(opts.dir, { recursive: true });
        await writeAtomically(join(opts.dir, `${base}.html`), email.html);
        await writeAtomically(join(opts.dir, `${base}.txt`), email.text);
        // the .json goes last: whoever watches the directory sees a complete email once it is there
        await writeAtomically(join(opts.dir, `${base}.json`), `${JSON.stringify(meta, null, 2)}\n`);
      } catch (err) {
        return { kind: "retry", reason: `outbox write failed: ${errorText(err)}` };
      }
      return { kind: "sent", providerId: `outbox:${msg.id}` };
    },
  };
}

async function writeAtomically(path: string, content: string) {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, "utf8");
  await rename(tmp, path);
}

/**
 * A renderer that throws will throw again for the same message: that message is terminal.
 * Unless the renderer could not run at all (a render thread died or timed out): retried.
 */
async function renderSafely(render: RenderEmail, msg: OutboundMessage): Promise<RenderedEmail | SendResult> {
  try {
    return await render(msg);
  } catch (err) {
    if (err instanceof RenderUnavailableError) return { kind: "retry", reason: err.message };
    return { kind: "permanent", reason: `email render failed: ${errorText(err)}` };
  }
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
