import http from "node:http";
import https from "node:https";
import type { LookupFunction, Socket } from "node:net";
import type { Duplex } from "node:stream";

export interface WebhookAgentOptions {
  /**
   * The SSRF-guarded lookup (guarded-request.ts `guardedLookup`). Set on the agent, not the
   * request: Node merges an agent's own options over each request's when it opens a socket
   * (`{ ...requestOptions, ...agent.options }` in `Agent#createSocket`), so no request can open a
   * connection of this pool through any other resolver.
   */
  lookup: LookupFunction;
  /** sockets per receiver (host:port), busy and idle together; more requests wait for one */
  maxSocketsPerHost: number;
  /** idle sockets close after this (default 4 s: under the 5 s of Node's server and most proxies) */
  idleMs?: number;
  /** a socket is not kept for reuse past this age, so a receiver's DNS change is seen within it (default 60 s) */
  maxSocketAgeMs?: number;
}

export interface WebhookAgents {
  http: http.Agent;
  https: https.Agent;
  /** closes every pooled socket (tests, shutdown) */
  destroy(): void;
}

/**
 * Keep-alive agents for webhook POSTs, one pair per webhook channel (one per process).
 *
 * Why reuse keeps the SSRF guarantee: the guard runs inside the lookup of every connection the
 * agent opens, and the socket connects to exactly the address that lookup checked (one
 * resolution serves both). A reused socket is still connected to that checked address: reuse
 * sends more requests to the same peer and never resolves again, so a name that later
 * rebinds to 127.0.0.1 cannot move an open socket; only a new socket resolves, and it is checked.
 * Sockets of one pool all came through this agent's single lookup (one `allowPrivate`, one
 * resolver), so a socket opened under a laxer setting can never be handed to a stricter channel.
 * The age limit bounds how long a pinned address outlives the DNS answer that produced it.
 */
export function createWebhookAgents(o: WebhookAgentOptions): WebhookAgents {
  const idleMs = o.idleMs ?? 4_000;
  const maxAgeMs = o.maxSocketAgeMs ?? 60_000;
  const options = {
    keepAlive: true,
    maxSockets: o.maxSocketsPerHost,
    maxFreeSockets: o.maxSocketsPerHost,
    // the idle timeout of kept sockets (Node shortens it further to a server's `Keep-Alive: timeout=` hint)
    timeout: idleMs,
    scheduling: "lifo" as const,
    lookup: o.lookup,
  };
  const firstKept = new WeakMap<Duplex, number>();
  /** false once a socket is too old: the agent then closes it instead of pooling it */
  const young = (socket: Duplex) => {
    const now = Date.now();
    const since = firstKept.get(socket);
    if (since === undefined) firstKept.set(socket, now);
    return since === undefined || now - since < maxAgeMs;
  };

  class PooledHttp extends http.Agent {
    override keepSocketAlive(socket: Duplex): boolean {
      // the base class sets TCP keep-alive, unrefs the socket and applies the idle timeout
      const keep = (http.Agent.prototype.keepSocketAlive as (s: Duplex) => boolean).call(this, socket);
      return keep && young(socket);
    }
  }
  class PooledHttps extends https.Agent {
    override keepSocketAlive(socket: Duplex): boolean {
      const keep = (https.Agent.prototype.keepSocketAlive as (s: Duplex) => boolean).call(this, socket);
      return keep && young(socket);
    }
  }
  const agents = { http: new PooledHttp(options), https: new PooledHttps(options) };
  return {
    ...agents,
    destroy() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

/** Open sockets of an agent (busy and idle), for tests and benchmarks. */
export function socketCount(agent: http.Agent): number {
  const n = (m: NodeJS.ReadOnlyDict<Socket[]>) => Object.values(m).reduce((a, l) => a + (l?.length ?? 0), 0);
  return n(agent.sockets) + n(agent.freeSockets);
}
