/**
 * Alert latency benchmark: the real app served over HTTP with the dispatcher running (woken
 * through `onQueued`, as src/index.ts wires it). A watcher with a 0-minute alert window and a
 * webhook channel; each signed event is posted to `/v1/events` and timed until its webhook
 * reaches a local receiver. Baseline, in the same run and interleaved: the bare HTTP round trip
 * of the same body posted straight to that receiver.
 *
 *   npm run bench:latency                          # in-memory PGlite
 *   npm run bench:latency -- --db postgres         # BENCH_DATABASE_URL or …/clausewatch_bench2 (schema rebuilt)
 *   npm run bench:latency -- --events 100 --warmup 10
 *
 * One event at a time: the next is posted once the previous webhook has arrived, so this is the
 * latency of an idle pipeline, not of a queue under load. Both the event post and the baseline
 * open a fresh connection per request (as the webhook channel does).
 *
 * Where the time goes: the service's own log lines mark two instants per event — the fan-out
 * round's line (written after its commit) and the dispatcher's claim line (after the claim, before
 * compose) — so the end-to-end time is printed split into accept → fan-out committed → claimed →
 * composed, sent and received, and the fan-out transaction's own duration beside it.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { Webhook } from "standardwebhooks";
import { createApp } from "../src/app";
import { createDispatcher, notifyOutbox } from "../src/delivery/dispatcher";
import { createMetrics } from "../src/delivery/metrics";
import { createChannels } from "../src/delivery/setup";
import { createFanoutWorker } from "../src/ingest/fanout-worker";
import { systemClock } from "../src/lib/clock";
import { createKeys, randomBytes, toBase64 } from "../src/lib/crypto";
import type { ChangeEvent } from "../src/lib/event-schema";
import { createLogger } from "../src/lib/log";
import { dbKind, intArg, openBenchDatabase } from "./lib/db";
import { startReceiver } from "./lib/receiver";
import { fmt, percentile } from "./lib/stats";

const { values: args } = parseArgs({
  options: {
    db: { type: "string", default: "pglite" },
    events: { type: "string", default: "500" },
    warmup: { type: "string", default: "20" },
    /** the dispatcher's pipeline depth (default: the service's) */
    depth: { type: "string" },
  },
});
const DB = dbKind(args.db);
const EVENTS = intArg("events", args.events, 10);
const WARMUP = intArg("warmup", args.warmup, 0);
const DEPTH = args.depth === undefined ? undefined : intArg("depth", args.depth);
/** per event: a webhook that has not arrived by then fails the bench instead of hanging it */
const ARRIVAL_TIMEOUT_MS = 10_000;

/** The instants the service's log lines mark (see the header): the latest of each. */
const marks = { fannedOut: 0, fanoutMs: 0, claimed: 0 };
const log = createLogger("debug", (line) => {
  const entry = JSON.parse(line) as { level: string; msg: string; duration_ms?: number };
  if (entry.msg === "fan-out batch") {
    marks.fannedOut = performance.now();
    marks.fanoutMs = entry.duration_ms ?? 0;
  } else if (entry.msg === "outbox claim") marks.claimed = performance.now();
  else if (entry.level === "warn" || entry.level === "error") console.error(line);
});
const template = JSON.parse(
  readFileSync(new URL("../test/fixtures/events/01-anthropic-ai-training.json", import.meta.url), "utf8"),
) as ChangeEvent;

interface Reply {
  status: number;
  body: string;
}

/** One POST on a fresh connection; resolves with the status and body. */
function post(url: string, headers: Record<string, string>, body: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: "POST", agent: false, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function main() {
  const database = await openBenchDatabase(DB, { max: 10 });
  const waiting = new Map<string, (at: number) => void>();
  // the webhook body names the events it carries: that is how an arrival is matched to its post
  const receiver = await startReceiver((_req, body, at) => {
    if (!body) return;
    const payload = JSON.parse(body) as { type?: string; data?: { events?: { id: string }[] } };
    for (const e of payload.data?.events ?? []) waiting.get(e.id)?.(at);
  });

  const keys = await createKeys(randomBytes(32));
  const metrics = createMetrics();
  const adminToken = `adm_${toBase64(randomBytes(18))}`;
  const ingestSecret = `whsec_${toBase64(randomBytes(32))}`;
  const channels = createChannels({
    publicUrl: "http://bench.invalid",
    dataDir: "/nonexistent",
    emailFrom: "x <x@bench.invalid>",
    allowPrivateWebhookTargets: true,
  });
  // the service's defaults, as src/index.ts builds it
  const dispatcher = createDispatcher({
    database,
    channels,
    keys,
    clock: systemClock,
    log,
    metrics,
    publicUrl: "http://bench.invalid",
    pipelineDepth: DEPTH,
  });
  const onQueued = () => {
    dispatcher.wake();
    notifyOutbox(database).catch((err) => log.warn("notify failed", { error: String(err) }));
  };
  // accepted events are fanned out by the worker, woken at once (as src/index.ts wires it)
  const fanout = createFanoutWorker({ database, clock: systemClock, log, onQueued });
  const app = createApp({
    database,
    clock: systemClock,
    keys,
    metrics,
    onQueued,
    onAccepted: () => fanout.wake(),
    log,
    config: { adminToken, ingestSecret, publicUrl: "http://bench.invalid", allowPrivateWebhookTargets: true },
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  try {
    // The watcher, through the API: window 0, one platform, a webhook, the account email off.
    const platform = `bench-latency-${Date.now().toString(36)}`;
    const created = await api("POST", "/v1/admin/users", adminToken, {
      email: `latency-${platform}@example.com`,
      tier: "watcher",
    });
    const key = created.api_key as string;
    await api("PATCH", "/v1/me", key, { alerts: { window_minutes: 0 } });
    await api("POST", "/v1/watchlist", key, { platform });
    await api("POST", "/v1/channels", key, { type: "webhook", url: `${receiver.url}/hook` });
    const list = (await api("GET", "/v1/channels", key)).items as { id: string; type: string }[];
    for (const ch of list.filter((c) => c.type === "email")) await api("PATCH", `/v1/channels/${ch.id}`, key, { enabled: false });

    await dispatcher.start();
    await fanout.start();
    console.log(
      `clausewatch alert latency — ${database.kind}, ${fmt(EVENTS)} events one at a time (after ${WARMUP} warm-up), ` +
        "POST /v1/events → webhook at the receiver",
    );

    const signer = new Webhook(ingestSecret);
    const e2e: number[] = [];
    const accepted: number[] = [];
    const afterAccept: number[] = [];
    const bare: number[] = [];
    const stages = {
      toFannedOut: [] as number[],
      fanoutTx: [] as number[],
      toClaimed: [] as number[],
      toReceived: [] as number[],
    };
    const runId = Date.now().toString(36);
    for (let i = 0; i < WARMUP + EVENTS; i++) {
      const id = `evt_lat_${runId}_${i}`;
      const raw = JSON.stringify({ ...template, id, platform: { slug: platform, name: "Bench Latency" } });

      // baseline: the same bytes, straight to the receiver
      const b0 = performance.now();
      const direct = await post(`${receiver.url}/direct`, { "content-type": "application/json" }, raw);
      const b = performance.now() - b0;
      if (direct.status !== 204) throw new Error(`receiver answered ${direct.status}`);

      const now = new Date();
      const arrived = new Promise<number>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`webhook for ${id} not received within ${ARRIVAL_TIMEOUT_MS} ms`)),
          ARRIVAL_TIMEOUT_MS,
        );
        waiting.set(id, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
      const t0 = performance.now();
      const res = await post(
        `${base}/v1/events`,
        {
          "content-type": "application/json",
          "webhook-id": `msg_${id}`,
          "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
          "webhook-signature": signer.sign(`msg_${id}`, now, raw),
        },
        raw,
      );
      const a = performance.now() - t0;
      if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}: ${res.body}`);
      // the 202 only acknowledges (fan-out runs after it): the webhook's arrival is the check
      if ((JSON.parse(res.body) as { status: string }).status !== "accepted") throw new Error(`not accepted: ${res.body}`);
      const at = await arrived;
      waiting.delete(id);
      if (i < WARMUP) continue;
      e2e.push(at - t0);
      accepted.push(a);
      // may be negative: the dispatcher can deliver before the 202 reaches the client
      afterAccept.push(at - t0 - a);
      bare.push(b);
      if (marks.fannedOut < t0 || marks.claimed < marks.fannedOut) throw new Error(`log marks out of order for ${id}`);
      stages.toFannedOut.push(marks.fannedOut - t0);
      stages.fanoutTx.push(marks.fanoutMs);
      stages.toClaimed.push(marks.claimed - marks.fannedOut);
      stages.toReceived.push(at - marks.claimed);
    }

    const row = (label: string, xs: number[]) =>
      `  ${label.padEnd(38)} p50 ${percentile(xs, 50).toFixed(2).padStart(7)} ms   p99 ${percentile(xs, 99).toFixed(2).padStart(7)} ms   max ${Math.max(
        ...xs,
      )
        .toFixed(2)
        .padStart(7)} ms`;
    console.log(row("POST /v1/events → webhook received", e2e));
    console.log(row("  of which POST /v1/events → 202", accepted));
    console.log(row("  then 202 → webhook received", afterAccept));
    console.log(row("  POST → fan-out committed", stages.toFannedOut));
    console.log(row("    the fan-out transaction (ms, whole)", stages.fanoutTx));
    console.log(row("  fan-out committed → claimed", stages.toClaimed));
    console.log(row("  claimed → composed, sent, received", stages.toReceived));
    console.log(row("bare HTTP round trip to the receiver", bare));
    const p50 = percentile(e2e, 50) / percentile(bare, 50);
    const p99 = percentile(e2e, 99) / percentile(bare, 99);
    console.log(
      `\nratio end-to-end ÷ bare round trip: p50 ${p50.toFixed(1)}×, p99 ${p99.toFixed(1)}×   ` +
        `[${database.kind}, ${fmt(EVENTS)} events; the end-to-end path has two HTTP exchanges plus ingest and dispatch]`,
    );
  } finally {
    await fanout.stop();
    await dispatcher.stop();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      if ("closeAllConnections" in server) server.closeAllConnections();
    });
    await receiver.close();
    await database.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
