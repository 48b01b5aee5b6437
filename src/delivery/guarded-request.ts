import type { LookupAddress, LookupOptions } from "node:dns";
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { type ResolveHost, resolveHost } from "../lib/resolve";
import { checkWebhookUrl, isBlockedAddress, refusedAddressMessage } from "./ssrf";
import type { WebhookAgents } from "./webhook-agent";

export interface GuardedRequestOptions {
  url: string | URL;
  headers: Record<string, string>;
  body: string;
  /** ALLOW_PRIVATE_WEBHOOK_TARGETS: let requests reach private, loopback and link-local addresses */
  allowPrivate: boolean;
  /** for the whole exchange: DNS, connect, TLS, request, response head and body */
  timeoutMs: number;
  /** DNS; tests inject one. Defaults to the system resolver (getaddrinfo, like a plain connect). */
  resolve?: ResolveHost;
  /** how much of the response body is kept (default 1 KiB) */
  maxResponseBytes?: number;
  /**
   * Keep-alive agents whose own lookup is the guard (webhook-agent.ts); their lookup must be
   * `guardedLookup` with the same `allowPrivate`. Without them every request opens (and checks)
   * a connection of its own.
   */
  agents?: WebhookAgents;
}

export type GuardedOutcome =
  | { kind: "response"; status: number; headers: IncomingHttpHeaders; body: string }
  /** the SSRF guard said no; nothing was sent */
  | { kind: "refused"; reason: string }
  | { kind: "timeout"; reason: string }
  /** DNS failure, connection refused or reset, TLS failure… */
  | { kind: "error"; reason: string };

/** Thrown from inside the DNS lookup so the socket never connects; recognised by `instanceof`. */
class RefusedAddressError extends Error {
  readonly code = "ERR_CLAUSEWATCH_BLOCKED_ADDRESS";
}

const familyOf = (address: string) => (isIP(address) === 6 ? 6 : 4);

/**
 * A `lookup` for node:net that resolves the name itself and refuses when any answer is a blocked
 * address. The socket connects to exactly what this returns, so a name that resolves to a public
 * address when the channel is created and to 127.0.0.1 at send time (DNS rebinding) is still
 * caught: the check and the connection share one resolution.
 */
export function guardedLookup(resolve: ResolveHost, allowPrivate: boolean): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    const fail = (err: NodeJS.ErrnoException) => callback(err, "", 0);
    resolve(hostname).then(
      (addresses) => {
        if (!allowPrivate) {
          const bad = addresses.find(isBlockedAddress);
          if (bad) return fail(new RefusedAddressError(refusedAddressMessage(hostname, bad)));
        }
        const wanted = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family || 0;
        const list: LookupAddress[] = addresses
          .filter((a) => isIP(a) !== 0)
          .map((address) => ({ address, family: familyOf(address) }))
          .filter((a) => wanted === 0 || a.family === wanted);
        if (list.length === 0) {
          return fail(Object.assign(new Error(`host ${hostname} does not resolve`), { code: "ENOTFOUND", hostname }));
        }
        // Node asks for all addresses when it races IPv4 and IPv6 (autoSelectFamily), else for one
        if (options.all) return callback(null, list);
        return callback(null, list[0].address, list[0].family);
      },
      (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
    );
  };
}

/**
 * One HTTP(S) request that cannot be steered into the private network: the URL is checked
 * (scheme, credentials, literal addresses, localhost), every resolved address is checked inside
 * the connection's own DNS lookup, redirects are never followed (node:http does not), and one
 * deadline covers everything. Never throws.
 * @example const out = await guardedRequest({ url, headers, body, allowPrivate: false, timeoutMs: 15_000 });
 */
export async function guardedRequest(opts: GuardedRequestOptions): Promise<GuardedOutcome> {
  const check = await checkWebhookUrl(String(opts.url), { allowPrivate: opts.allowPrivate });
  if (!check.ok) return { kind: "refused", reason: check.reason };
  const url = check.url;
  const lookup = guardedLookup(opts.resolve ?? resolveHost, opts.allowPrivate);

  return new Promise<GuardedOutcome>((settle) => {
    const exchange = createExchange(opts.maxResponseBytes ?? 1024, (outcome) => {
      clearTimeout(timer);
      settle(outcome);
    });
    const timer = setTimeout(() => {
      // A receiver that sent its status but then stalls the body has still answered.
      if (exchange.head) exchange.answered();
      else exchange.finish({ kind: "timeout", reason: `no response within ${opts.timeoutMs} ms` });
      req.destroy();
    }, opts.timeoutMs);

    const transport = url.protocol === "https:" ? https : http;
    let req: http.ClientRequest;
    const send = (retried: boolean) => {
      try {
        req = transport.request(requestOptions(url, opts, lookup), exchange.onResponse);
      } catch (err) {
        // e.g. a header value Node refuses; nothing was sent
        return exchange.finish({
          kind: "error",
          reason: `request not sent: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
      const mine = req;
      mine.on("error", (err: NodeJS.ErrnoException) => {
        if (exchange.head) return exchange.answered();
        // A kept-alive socket the receiver closed while idle fails at once on reuse (the race
        // Node's docs describe for `reusedSocket`): try once more on a fresh connection. The
        // receiver de-duplicates on webhook-id should the first copy have reached it after all.
        if (!retried && !exchange.done && mine.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE"))
          return send(true);
        if (err instanceof RefusedAddressError) return exchange.finish({ kind: "refused", reason: err.message });
        exchange.finish({ kind: "error", reason: `${err.code ?? "network error"}: ${err.message}` });
      });
      mine.end(opts.body);
    };
    send(false);
  });
}

/** The POST's options: the checked URL, the guarded lookup, and the pool's agent (or none). */
function requestOptions(url: URL, opts: GuardedRequestOptions, lookup: LookupFunction): http.RequestOptions {
  return {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port || undefined,
    path: `${url.pathname}${url.search}`,
    method: "POST",
    headers: { ...opts.headers, "content-length": String(Buffer.byteLength(opts.body)) },
    // pooled: a new socket is checked in the agent's lookup, a reused one is already
    // connected to a checked address (webhook-agent.ts); unpooled: checked every time
    agent: opts.agents ? (url.protocol === "https:" ? opts.agents.https : opts.agents.http) : false,
    lookup,
  };
}

/** One request's answer as it arrives: settled once, with the head and up to `maxBytes` of the body. */
interface Exchange {
  readonly done: boolean;
  readonly head: { status: number; headers: IncomingHttpHeaders } | undefined;
  /** settles with `outcome` unless already settled */
  finish(outcome: GuardedOutcome): void;
  /** settles with the response so far, once there is a head */
  answered(): void;
  onResponse(res: http.IncomingMessage): void;
}

function createExchange(maxBytes: number, settle: (outcome: GuardedOutcome) => void): Exchange {
  let done = false;
  let head: Exchange["head"];
  const chunks: Buffer[] = [];
  let size = 0;
  const finish = (outcome: GuardedOutcome) => {
    if (done) return;
    done = true;
    settle(outcome);
  };
  const answered = () => {
    if (head) finish({ kind: "response", ...head, body: Buffer.concat(chunks).subarray(0, maxBytes).toString("utf8") });
  };
  return {
    get done() {
      return done;
    },
    get head() {
      return head;
    },
    finish,
    answered,
    onResponse(res) {
      head = { status: res.statusCode ?? 0, headers: res.headers };
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= maxBytes) {
          // enough kept: do not read (or wait for) the rest
          answered();
          res.destroy();
        }
      });
      res.on("end", answered);
      res.on("error", answered);
      res.on("close", answered);
    },
  };
}
