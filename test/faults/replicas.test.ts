import postgres from "postgres";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeWebhookReceiver, startWebhookReceiver } from "../fakes/webhook-receiver";
import { fixtures } from "../helpers/events";
import { type Cluster, createCluster } from "./cluster";
import {
  createReplica,
  destroyReplicas,
  freePort,
  type HalfOpenProxy,
  type Replica,
  sharedSecrets,
  sleep,
  startProxy,
} from "./replicas";

/**
 * Three replicas of the real service on a throwaway cluster, a signed retrying sender and a
 * webhook receiver: each fault is injected under load and judged by what the sender had
 * acknowledged and what the receiver got. Replica 2 reaches PostgreSQL through a proxy that can go
 * half-open. Every scenario prints a `faults:` line with its figures.
 */
const USERS = 20;
const PLATFORM = "faultco";
const DELIVERY_DEADLINE_MS = 30_000;

let cluster: Cluster;
let proxy: HalfOpenProxy;
let receiver: FakeWebhookReceiver;
let admin: postgres.Sql;
let replicas: Replica[] = [];
const secrets = sharedSecrets();

interface SendStats {
  acked: string[];
  lastAckAt: number;
  unavailable: number;
  withoutRetryAfter: number;
  network: number;
  other: string[];
}
const newStats = (): SendStats => ({ acked: [], lastAckAt: 0, unavailable: 0, withoutRetryAfter: 0, network: 0, other: [] });

let rr = 0;
/**
 * Posts one event the way the pipeline does: signed once, then the same bytes and the same
 * webhook-id again on a 503 or a network error, round-robin over `targets`. 200 (duplicate) and
 * 202 both acknowledge it.
 */
async function postEvent(id: string, targets: Replica[], stats: SendStats, giveUpMs = 90_000): Promise<void> {
  const event = { ...structuredClone(fixtures["01-anthropic-ai-training"]), id };
  event.platform = { ...event.platform, slug: PLATFORM };
  const raw = JSON.stringify(event);
  const msgId = `msg_${id}`;
  const now = new Date();
  const headers = {
    "content-type": "application/json",
    "webhook-id": msgId,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": new Webhook(secrets.INGEST_SECRET).sign(msgId, now, raw),
  };
  const end = Date.now() + giveUpMs;
  while (Date.now() < end) {
    const r = targets[rr++ % targets.length];
    let res: Response;
    try {
      res = await fetch(`${r.url}/v1/events`, { method: "POST", headers, body: raw, signal: AbortSignal.timeout(20_000) });
    } catch {
      stats.network++;
      await sleep(100);
      continue;
    }
    const text = await res.text();
    if (res.status === 200 || res.status === 202) {
      stats.acked.push(id);
      stats.lastAckAt = Date.now();
      return;
    }
    if (res.status === 503) {
      stats.unavailable++;
      if (!res.headers.get("retry-after")) stats.withoutRetryAfter++;
      await sleep(250);
      continue;
    }
    stats.other.push(`${res.status} ${text.slice(0, 200)}`);
    return;
  }
  stats.other.push(`gave up on ${id}`);
}

/** `count` fresh events through `parallel` senders; `during(sentSoFar)` is awaited once, a third of the way in. */
async function load(
  tag: string,
  count: number,
  targets: () => Replica[],
  during: () => Promise<void>,
  parallel = 6,
): Promise<SendStats> {
  const stats = newStats();
  const ids = Array.from({ length: count }, (_, i) => `evt_${tag}_${i}_${Date.now().toString(36)}`);
  let next = 0;
  let fault: Promise<void> | null = null;
  const sender = async () => {
    while (next < ids.length) {
      const id = ids[next++];
      if (fault === null && next >= count / 3) fault = during();
      await postEvent(id, targets(), stats);
    }
  };
  await Promise.all(Array.from({ length: parallel }, sender));
  await fault;
  return stats;
}

/** What the receiver got for these events: (user, event) pairs, duplicate webhook-ids, and when the last new pair arrived. */
function received(eventIds: string[]) {
  const wanted = new Set(eventIds);
  const pairs = new Set<string>();
  const seen = new Set<string>();
  let duplicates = 0;
  let lastNewAt = 0;
  for (const req of receiver.requests) {
    if (!req.path.startsWith("/hook/")) continue;
    const body = JSON.parse(req.raw) as { type: string; data: { events?: { id: string }[] } };
    if (body.type !== "alert") continue;
    const events = (body.data.events ?? []).filter((e) => wanted.has(e.id));
    if (events.length === 0) continue;
    const msg = String(req.headers["webhook-id"]);
    if (seen.has(msg)) duplicates++;
    seen.add(msg);
    for (const e of events) {
      const key = `${req.path}|${e.id}`;
      if (!pairs.has(key)) {
        pairs.add(key);
        lastNewAt = Math.max(lastNewAt, req.at);
      }
    }
  }
  return { pairs: pairs.size, duplicates, lastNewAt };
}

/** Waits until every (user, acknowledged event) alert has reached the receiver, or the deadline. */
async function drained(stats: SendStats, deadlineMs = DELIVERY_DEADLINE_MS) {
  const want = stats.acked.length * USERS;
  const end = stats.lastAckAt + deadlineMs;
  let r = received(stats.acked);
  while (r.pairs < want && Date.now() < end) {
    await sleep(200);
    r = received(stats.acked);
  }
  return { ...r, want, drainMs: r.pairs === 0 ? 0 : Math.max(0, r.lastNewAt - stats.lastAckAt) };
}

const storedEvents = async (ids: string[]) =>
  (await admin<{ n: number }[]>`select count(*)::int as n from events where id = any(${ids})`)[0].n;

const stuckSending = async () =>
  (await admin<{ n: number }[]>`select count(*)::int as n from notifications where status = 'sending' and lease_until < now()`)[0]
    .n;

/**
 * Waits until no notification is in `sending`: every claim recorded, handed back, or (a killed
 * replica's) expired and taken again. An earlier scenario's leftovers must not be counted as the
 * next one's: a row a killed replica delivered but never recorded stays `sending` until its 15 s
 * lease runs out and a dispatcher takes it again. Answers how many are still there at the deadline.
 */
async function settledOutbox(deadlineMs = 45_000): Promise<number> {
  const end = Date.now() + deadlineMs;
  const sending = async () =>
    (await admin<{ n: number }[]>`select count(*)::int as n from notifications where status = 'sending'`)[0].n;
  let n = await sending();
  while (n > 0 && Date.now() < end) {
    await sleep(250);
    n = await sending();
  }
  return n;
}

async function api(r: Replica, method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${r.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

const userKeys: string[] = [];

beforeAll(async () => {
  cluster = await createCluster();
  admin = postgres(cluster.url(), { max: 2, onnotice: () => {} });
  receiver = await startWebhookReceiver();
  proxy = await startProxy(cluster.port);
  const ports = await Promise.all([freePort(), freePort(), freePort()]);
  replicas = ports.map((port, i) =>
    createReplica(i, port, {
      databaseUrl: i === 2 ? `postgres://postgres@127.0.0.1:${proxy.port}/postgres` : cluster.url(),
      secrets,
      logLevel: "info",
    }),
  );
  // one after the other: three tsx start-ups at once on two cores take longer than in turn
  for (const r of replicas) await r.start();

  for (let i = 0; i < USERS; i++) {
    const r = replicas[i % 3];
    const created = await api(r, "POST", "/v1/admin/users", secrets.ADMIN_TOKEN, {
      email: `fault-${i}@example.com`,
      tier: "watcher",
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const key = created.json.api_key as string;
    userKeys.push(key);
    expect((await api(r, "PATCH", "/v1/me", key, { alerts: { window_minutes: 0 } })).status).toBe(200);
    expect((await api(r, "POST", "/v1/watchlist", key, { platform: PLATFORM })).status).toBe(201);
    // the account email would go to each replica's DATA_DIR/outbox: off, so the webhook is the only receiver
    const list = await api(r, "GET", "/v1/channels", key);
    const email = (list.json.items as { id: string; type: string }[]).find((c) => c.type === "email");
    expect((await api(r, "PATCH", `/v1/channels/${email?.id}`, key, { enabled: false })).status).toBe(200);
    const hook = await api(r, "POST", "/v1/channels", key, { type: "webhook", url: `${receiver.url}/hook/${i}` });
    expect(hook.status, JSON.stringify(hook.json)).toBe(201);
  }
}, 240_000);

afterAll(async () => {
  await destroyReplicas(replicas);
  await proxy?.close();
  await receiver?.close();
  await admin?.end({ timeout: 1 });
  await cluster?.destroy();
}, 120_000);

describe("3 replicas under faults", () => {
  it("kill -9 of one replica mid-load, restarted: every acknowledged event stored and alerted within 30 s; duplicates bounded by the rows in flight", async () => {
    let inFlightBound = 0;
    const stats = await load(
      "kill",
      240,
      () => replicas,
      async () => {
        // kill while rows are claimed, so there is something to lose; the bound is every row claimed
        // at that instant by any replica: more than the killed one can hold
        const end = Date.now() + 10_000;
        do {
          inFlightBound = (await admin<{ n: number }[]>`select count(*)::int as n from notifications where status = 'sending'`)[0]
            .n;
        } while (inFlightBound === 0 && Date.now() < end && (await sleep(20)) === undefined);
        await replicas[1].kill("SIGKILL");
        await replicas[1].start();
      },
    );
    expect(stats.other).toEqual([]);
    expect(await storedEvents(stats.acked)).toBe(stats.acked.length);
    const r = await drained(stats);
    console.log(
      `faults: kill-9: acknowledged=${stats.acked.length} delivered_pairs=${r.pairs}/${r.want} duplicates=${r.duplicates} in_flight_bound=${inFlightBound} drain_ms=${r.drainMs} sender_retries=${stats.network + stats.unavailable}`,
    );
    expect(r.pairs).toBe(r.want);
    expect(r.duplicates).toBeLessThanOrEqual(inFlightBound);
    expect(replicas.map((x) => x.exited)).toEqual([null, null, null]);
  });

  it("PostgreSQL crash-restarted mid-load: no replica exits, ingest answers 503 + Retry-After (never 500), everything acknowledged is delivered", async () => {
    let outageMs = 0;
    const stats = await load(
      "pgrestart",
      240,
      () => replicas,
      async () => {
        await sleep(300);
        const t = Date.now();
        await cluster.restart("immediate");
        outageMs = Date.now() - t;
      },
    );
    expect(stats.other).toEqual([]);
    expect(stats.withoutRetryAfter).toBe(0);
    expect(await storedEvents(stats.acked)).toBe(stats.acked.length);
    const r = await drained(stats);
    console.log(
      `faults: pg-restart: acknowledged=${stats.acked.length} delivered_pairs=${r.pairs}/${r.want} duplicates=${r.duplicates} unavailable_503=${stats.unavailable} network_errors=${stats.network} outage_ms=${outageMs} drain_ms=${r.drainMs}`,
    );
    expect(r.pairs).toBe(r.want);
    expect(replicas.map((x) => x.exited)).toEqual([null, null, null]);
  });

  it("the digest planner called on every replica at the same instant: one digest per user per period", async () => {
    // a Monday 10:00 UTC two weeks out: every user's (default) weekly digest is due
    const now = new Date();
    now.setUTCDate(now.getUTCDate() + 14 + ((8 - now.getUTCDay()) % 7));
    now.setUTCHours(10, 0, 0, 0);
    const answers = await Promise.all(
      replicas.map((r) => api(r, "POST", "/v1/admin/jobs/digests", secrets.ADMIN_TOKEN, { now: now.toISOString() })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const built = answers.reduce((n, a) => n + Number(a.json.digests), 0);
    const perUser = await admin<{ n: number }[]>`select count(*)::int as n from digests group by user_id, period_start`;
    console.log(
      `faults: digest-race: replicas=3 digests_built=${built} users=${USERS} max_per_user_period=${Math.max(...perUser.map((p) => p.n))}`,
    );
    expect(built).toBe(USERS);
    expect(perUser.length).toBe(USERS);
    expect(perUser.every((p) => p.n === 1)).toBe(true);
  });

  it("SIGTERM during a delivery batch: the replica exits 0 in time, hands back what it has not sent, no row stays in sending past its lease", async () => {
    expect(await settledOutbox()).toBe(0);
    // slow receiver: every alert takes 1.5 s to answer, so batches are mid-send when the signal comes
    receiver.script(...Array.from({ length: 400 }, () => ({ delayMs: 1_500 })));
    const victim = replicas[0];
    let exitMs = 0;
    let exit: string | null = null;
    const stats = await load(
      "sigterm",
      60,
      () => replicas.slice(1),
      async () => {
        await sleep(2_000);
        const t = Date.now();
        exit = await victim.kill("SIGTERM", 30_000);
        exitMs = Date.now() - t;
      },
    );
    const handedBack = (victim.output.match(/"claims handed back"/g) ?? []).length;
    expect(exit).toBe("code 0 signal null");
    expect(exitMs).toBeLessThan(25_000);
    expect(await stuckSending()).toBe(0);
    await victim.start();
    const r = await drained(stats, 60_000);
    console.log(
      `faults: sigterm: acknowledged=${stats.acked.length} delivered_pairs=${r.pairs}/${r.want} duplicates=${r.duplicates} exit_ms=${exitMs} hand_back_batches=${handedBack} drain_ms=${r.drainMs}`,
    );
    expect(stats.other).toEqual([]);
    expect(r.pairs).toBe(r.want);
    expect(await stuckSending()).toBe(0);
  });

  it("a half-open connection to PostgreSQL: the replica's requests answer 503 instead of hanging; the replica drops the frozen connections itself and delivers again", async () => {
    const r2 = replicas[2];
    proxy.freeze();
    const t = Date.now();
    const answers = await Promise.all(
      [0, 1, 2].map(() =>
        api(r2, "GET", "/v1/me", userKeys[0]).then(
          (a) => a.status,
          (err) => `error ${String(err)}`,
        ),
      ),
    );
    const answeredMs = Date.now() - t;
    // New connections get through again; the frozen ones stay open and silent for good: only the
    // replica's own deadline (statement_timeout + 5 s of silence) can drop them.
    proxy.heal();
    const healed = Date.now();
    const stats = await load(
      "halfopen",
      30,
      () => [r2],
      async () => {},
    );
    const r = await drained(stats, 90_000);
    const recoveredMs = stats.lastAckAt - healed;
    console.log(
      `faults: half-open: answers=${answers.join(",")} answered_ms=${answeredMs} last_ack_after_heal_ms=${recoveredMs} acknowledged_after=${stats.acked.length} delivered_pairs=${r.pairs}/${r.want} drain_ms=${r.drainMs}`,
    );
    expect(answers).toEqual([503, 503, 503]);
    expect(stats.other).toEqual([]);
    expect(r.pairs).toBe(r.want);
  });
});
