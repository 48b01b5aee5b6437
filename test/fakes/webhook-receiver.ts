import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/**
 * A local webhook receiver: records every request (any path), answers 200 unless told otherwise.
 * Scripted answers can set a status, headers and body, wait, hang (never answer), or redirect to
 * another path — which records like any other path, so a test can prove it was never reached.
 */

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** the body exactly as received: what a signature covers */
  raw: string;
  at: number;
}

export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
  /** never answer (the connection stays open until the client gives up or the fake closes) */
  hang?: boolean;
  /** answer `status` (default 302) with `Location: <url><redirectTo>` */
  redirectTo?: string;
}

export interface FakeWebhookReceiver {
  /** base URL, `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** requests that reached this path */
  hits(path: string): ReceivedRequest[];
  /** the next requests get these answers, in order */
  script(...replies: ScriptedReply[]): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<FakeWebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const scripted: ScriptedReply[] = [];
  let base = "";

  const server = createServer(async (req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? "/").split("?")[0];
    requests.push({
      method: req.method ?? "",
      path,
      headers: req.headers,
      raw: Buffer.concat(chunks).toString("utf8"),
      at: Date.now(),
    });

    const reply = scripted.shift() ?? {};
    if (reply.hang) return;
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (res.destroyed) return;
    const headers: Record<string, string> = { "content-type": "text/plain", ...reply.headers };
    if (reply.redirectTo !== undefined) headers.location = `${base}${reply.redirectTo}`;
    res.writeHead(reply.status ?? (reply.redirectTo !== undefined ? 302 : 200), headers);
    res.end(reply.body ?? "ok");
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    port,
    requests,
    hits: (path) => requests.filter((r) => r.path === path),
    script: (...replies) => {
      scripted.push(...replies);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Verifies a received request the way a receiver would, with `standardwebhooks`; returns the
 * parsed payload or throws WebhookVerificationError.
 */
export function verifyWebhook(request: ReceivedRequest, secret: string): unknown {
  const h = request.headers;
  return new Webhook(secret).verify(request.raw, {
    "webhook-id": String(h["webhook-id"] ?? ""),
    "webhook-timestamp": String(h["webhook-timestamp"] ?? ""),
    "webhook-signature": String(h["webhook-signature"] ?? ""),
  });
}
