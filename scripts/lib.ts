import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { Webhook } from "standardwebhooks";
import { randomBytes, toHex } from "../src/lib/crypto";
import { readStoredSecrets } from "../src/secrets";

export type Args = { kind: "run"; positionals: string[] } | { kind: "help" } | { kind: "usage-error"; message: string };

/**
 * The scripts' command line: `-h`/`--help`, and positionals. Any other `-…` is an error rather than
 * a file name, so `--help` never reaches `readFileSync` (a file really named `-x.json` is `./-x.json`).
 */
export function readArgs(argv: string[], maxPositionals = Number.POSITIVE_INFINITY): Args {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) return { kind: "help" };
    if (positionals.length > maxPositionals)
      return { kind: "usage-error", message: `unexpected argument: ${positionals[maxPositionals]}` };
    return { kind: "run", positionals };
  } catch (err) {
    // node's text goes on to suggest `--`, which npm run already takes for itself: keep its first sentence
    const message = (err instanceof Error ? err.message : String(err)).split(". ")[0];
    return { kind: "usage-error", message: message.endsWith(".") ? message.slice(0, -1) : message };
  }
}

/**
 * Handles `--help` and usage errors the same way in every script: usage on stdout and exit 0, or
 * the problem and the usage on stderr and exit 2. Answers the positionals otherwise.
 */
export function argsOrExit(argv: string[], usage: string, maxPositionals?: number): string[] {
  const args = readArgs(argv, maxPositionals);
  if (args.kind === "run") return args.positionals;
  if (args.kind === "help") {
    process.stdout.write(usage);
    process.exit(0);
  }
  process.stderr.write(`${args.message}\n\n${usage}`);
  process.exit(2);
}

/** What the developer scripts need to talk to a running service. */
export interface Target {
  baseUrl: string;
  adminToken?: string;
  ingestSecret?: string;
  /** where the secrets came from, for messages */
  source: string;
  /** DATA_DIR as these scripts see it: a service started here writes emails to its outbox/ */
  dataDir: string;
}

/**
 * The service the scripts talk to, configured the way `npm start` is: PUBLIC_URL (else
 * http://localhost:PORT, PORT default 8787), and secrets from the environment, else from
 * DATA_DIR/secrets.json (DATA_DIR default ./.data), where `npm start` keeps the ones it generated.
 */
export function targetFromEnv(source: Record<string, string | undefined> = process.env): Target {
  // empty counts as unset, as in src/env.ts
  const env = (name: string) => (source[name] === "" ? undefined : source[name]);
  const dataDir = env("DATA_DIR") ?? "./.data";
  let stored: ReturnType<typeof readStoredSecrets> = {};
  try {
    stored = readStoredSecrets(dataDir);
  } catch (err) {
    throw new Error(`cannot read ${dataDir}/secrets.json: ${err instanceof Error ? err.message : String(err)}`);
  }
  const baseUrl = (env("PUBLIC_URL") ?? `http://localhost:${env("PORT") ?? "8787"}`).replace(/\/+$/, "");
  return {
    baseUrl,
    adminToken: env("ADMIN_TOKEN") ?? stored.ADMIN_TOKEN,
    ingestSecret: env("INGEST_SECRET") ?? stored.INGEST_SECRET,
    source: `the environment or ${dataDir}/secrets.json`,
    dataDir,
  };
}

/** A refused or unreachable connection, as opposed to an HTTP answer. */
export class NotRunningError extends Error {
  constructor(baseUrl: string, cause: unknown) {
    super(`no clausewatch service answers at ${baseUrl} — start one with \`npm start\` (or set PUBLIC_URL / PORT)`, {
      cause,
    });
  }
}

export interface Answer {
  status: number;
  body: unknown;
}

/** fetch, with a connection failure turned into NotRunningError and the JSON body parsed. */
export async function request(baseUrl: string, path: string, init: RequestInit = {}): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, { ...init, signal: init.signal ?? AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new NotRunningError(baseUrl, err);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body };
}

/** True when something answers GET /healthz at the URL within a second. */
export async function isRunning(baseUrl: string): Promise<boolean> {
  try {
    const r = await request(baseUrl, "/healthz", { signal: AbortSignal.timeout(1_000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

/**
 * Posts an event body exactly as given, signed like the change-detection pipeline signs it
 * (Standard Webhooks): `webhook-signature` is `v1,` + base64 HMAC-SHA256, keyed with the
 * base64-decoded part of INGEST_SECRET after `whsec_`, over `<webhook-id>.<webhook-timestamp>.<body>`.
 */
export async function postSignedEvent(baseUrl: string, ingestSecret: string, rawBody: string): Promise<Answer> {
  // The server verifies the exact bytes (a byte-order mark included), so the body goes as read.
  const body = rawBody;
  const msgId = `msg_${toHex(randomBytes(12))}`;
  const now = new Date();
  return request(baseUrl, "/v1/events", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": msgId,
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": new Webhook(ingestSecret).sign(msgId, now, body),
    },
    body,
  });
}

export interface FanoutCounts {
  matched_users: number;
  alerts: number;
  digest_items: number;
}

/**
 * What the service's fan-out did for an accepted event, read where the operator reads it
 * (`GET /v1/admin/events/{id}`), polling until `fanned_out_at` is set; null when the deadline
 * passes first or the event is not there.
 */
export async function waitForFanout(
  baseUrl: string,
  adminToken: string,
  eventId: string,
  deadline: number,
): Promise<FanoutCounts | null> {
  for (;;) {
    const r = await request(baseUrl, `/v1/admin/events/${encodeURIComponent(eventId)}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    if (r.status !== 200) return null;
    const v = r.body as { fanned_out_at: string | null } & { [K in keyof FanoutCounts]: number | null };
    if (v.fanned_out_at !== null) {
      return { matched_users: v.matched_users ?? 0, alerts: v.alerts ?? 0, digest_items: v.digest_items ?? 0 };
    }
    if (Date.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Serves a fetch handler on 127.0.0.1 on a free port; answers its base URL and a way to stop it. */
export function serveOnFreePort(fetchHandler: (req: Request) => Response | Promise<Response>) {
  return new Promise<{ baseUrl: string; close: () => Promise<void> }>((resolve, reject) => {
    const server = serve({ fetch: fetchHandler, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
      resolve({
        baseUrl: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            if ("closeAllConnections" in server) server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
    server.once("error", reject);
  });
}
