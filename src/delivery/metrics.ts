import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { type OutboxStats, outboxStats } from "../db/queries/outbox-stats";
import { NOTIFICATION_STATUSES } from "../db/schema/notifications";
import type { Db } from "../db/types";

/** What became of one delivery attempt (the `outcome` label and the `delivery` log line). */
export type DeliveryOutcome = "sent" | "retry" | "failed" | "held" | "suppressed";

/** Where scrape-time gauges read from: the app's database, at the app's clock. */
export interface ScrapeSource {
  db: Db;
  now: Date;
}

/**
 * This app's Prometheus metrics (prom-client). Counters and histograms live in the process; the
 * outbox gauges are read from the database at scrape time, so every replica reports the same truth.
 */
export interface Metrics {
  delivery(channel: string, outcome: DeliveryOutcome): void;
  /** how long a provider took to answer one send */
  observeSend(channel: string, seconds: number): void;
  /** an alert's age when its provider accepted it */
  observeDeliveryLatency(channel: string, seconds: number): void;
  /** one accepted event: verify-to-commit of the store and fan-out transaction */
  observeIngest(seconds: number): void;
  setHeld(provider: string, held: boolean, reason?: string): void;
  isHeld(provider: string): boolean;
  /** the Prometheus text exposition, and its content type */
  render(source: ScrapeSource): Promise<string>;
  readonly contentType: string;
}

const CHANNEL_TYPES = ["email", "slack", "webhook"] as const;
const OPEN_STATUSES = ["pending", "sending"] as const;

let processRegistry: Registry | undefined;
/**
 * `process_*` and `nodejs_*` describe the process, not an app, so they live in one registry per
 * process that every app's exposition merges in. `collectDefaultMetrics` starts an event-loop
 * delay monitor and a GC PerformanceObserver per call and never stops them: once per app (tests
 * build dozens of apps in one process) would pile them up.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * A registry of its own per call (never prom-client's global one): two apps in one process keep
 * separate counts and register the same names without clashing.
 */
export function createMetrics(): Metrics {
  const register = new Registry();
  const registers = [register];
  const held = new Map<string, string | null>();

  // One outbox query per scrape, shared by the gauges below (prom-client collects them concurrently).
  let current: (() => Promise<OutboxStats>) | null = null;
  const stats = async (): Promise<OutboxStats | null> => (current ? current() : null);

  const deliveries = new Counter({
    name: "clausewatch_deliveries_total",
    help: "Delivery attempts by channel type and outcome (sent, retry, failed, held, suppressed).",
    labelNames: ["channel", "outcome"] as const,
    registers,
  });
  const sendDuration = new Histogram({
    name: "clausewatch_send_duration_seconds",
    help: "Time a provider took to answer one send.",
    labelNames: ["channel"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
    registers,
  });
  const deliveryLatency = new Histogram({
    name: "clausewatch_event_delivery_latency_seconds",
    help:
      "Alerts only: from the receipt of the alert's first event (the fan-out opens the alert then) to the provider " +
      "accepting it; includes the grouping window, quiet hours and retries.",
    labelNames: ["channel"] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400],
    registers,
  });
  const ingestDuration = new Histogram({
    name: "clausewatch_ingest_duration_seconds",
    help: "Accepted events: the store, catalog and fan-out transaction, start to commit.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const providerHeld = new Gauge({
    name: "clausewatch_provider_held",
    help: "1 while a provider rejects our own credentials (sends wait).",
    labelNames: ["channel"] as const,
    registers,
  });
  for (const channel of CHANNEL_TYPES) providerHeld.set({ channel }, 0);

  new Gauge({
    name: "clausewatch_notifications",
    help: "Notifications in the outbox by status, final states included.",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      const s = await stats();
      this.reset();
      for (const status of NOTIFICATION_STATUSES) this.set({ status }, s?.by_status?.[status] ?? 0);
    },
  });
  new Gauge({
    name: "clausewatch_outbox_pending",
    help: "Notifications not yet finished (pending: waiting for their time or a retry; sending: claimed), by channel type.",
    labelNames: ["channel", "status"] as const,
    registers,
    async collect() {
      const s = await stats();
      this.reset();
      for (const channel of CHANNEL_TYPES)
        for (const status of OPEN_STATUSES)
          this.set({ channel, status }, s?.pending.find((p) => p.channel_type === channel && p.status === status)?.count ?? 0);
    },
  });
  new Gauge({
    name: "clausewatch_outbox_oldest_due_age_seconds",
    help: "How long the oldest due notification has been waiting for a dispatcher (0 when nothing is due).",
    registers,
    async collect() {
      this.set((await stats())?.oldest_due_age_seconds ?? 0);
    },
  });

  const exposed = Registry.merge([processMetrics(), register]);

  return {
    delivery: (channel, outcome) => deliveries.inc({ channel, outcome }),
    observeSend: (channel, seconds) => sendDuration.observe({ channel }, seconds),
    observeDeliveryLatency: (channel, seconds) => deliveryLatency.observe({ channel }, Math.max(0, seconds)),
    observeIngest: (seconds) => ingestDuration.observe(seconds),
    setHeld(provider, isHeld, reason) {
      held.set(provider, isHeld ? (reason ?? "held") : null);
      providerHeld.set({ channel: provider }, isHeld ? 1 : 0);
    },
    isHeld: (provider) => Boolean(held.get(provider)),
    contentType: exposed.contentType,
    render(src) {
      let once: Promise<OutboxStats> | undefined;
      current = () => {
        once ??= outboxStats(src.db, src.now, { byStatus: true });
        return once;
      };
      return exposed.metrics();
    },
  };
}
