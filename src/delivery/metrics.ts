/**
 * Prometheus metrics kept in process (counters and a histogram), rendered in the text format.
 * Queue depth is read from the database at scrape time, so every replica reports the same truth.
 */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

type Labels = Record<string, string>;
const key = (l: Labels) =>
  Object.entries(l)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`)
    .join(",");

export interface Metrics {
  count(
    name: "deliveries_total",
    labels: { channel: string; result: "sent" | "failed" | "retried" | "suppressed" | "held" },
  ): void;
  observeSend(channel: string, seconds: number): void;
  setHeld(provider: string, held: boolean, reason?: string): void;
  isHeld(provider: string): boolean;
  render(queueDepth: Record<string, number>): string;
}

export function createMetrics(): Metrics {
  const counters = new Map<string, number>();
  const hist = new Map<string, { buckets: number[]; sum: number; count: number }>();
  const held = new Map<string, string | null>();
  return {
    count(name, labels) {
      const k = `${name}{${key(labels)}}`;
      counters.set(k, (counters.get(k) ?? 0) + 1);
    },
    observeSend(channel, seconds) {
      const h = hist.get(channel) ?? { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
      BUCKETS.forEach((b, i) => {
        if (seconds <= b) h.buckets[i]++;
      });
      h.sum += seconds;
      h.count++;
      hist.set(channel, h);
    },
    setHeld(provider, isHeld, reason) {
      held.set(provider, isHeld ? (reason ?? "held") : null);
    },
    isHeld: (provider) => Boolean(held.get(provider)),
    render(queueDepth) {
      const out: string[] = [];
      out.push("# HELP clausewatch_notifications Notifications in the outbox by status.");
      out.push("# TYPE clausewatch_notifications gauge");
      for (const [status, n] of Object.entries(queueDepth)) out.push(`clausewatch_notifications{status="${status}"} ${n}`);
      out.push("# HELP clausewatch_deliveries_total Delivery attempts by channel type and result.");
      out.push("# TYPE clausewatch_deliveries_total counter");
      for (const [k, v] of [...counters].sort()) out.push(`clausewatch_${k} ${v}`);
      out.push("# HELP clausewatch_send_duration_seconds Time a provider took to answer one send.");
      out.push("# TYPE clausewatch_send_duration_seconds histogram");
      for (const [channel, h] of hist) {
        BUCKETS.forEach((b, i) => {
          out.push(`clausewatch_send_duration_seconds_bucket{channel="${channel}",le="${b}"} ${h.buckets[i]}`);
        });
        out.push(`clausewatch_send_duration_seconds_bucket{channel="${channel}",le="+Inf"} ${h.count}`);
        out.push(`clausewatch_send_duration_seconds_sum{channel="${channel}"} ${h.sum}`);
        out.push(`clausewatch_send_duration_seconds_count{channel="${channel}"} ${h.count}`);
      }
      out.push("# HELP clausewatch_provider_held 1 while a provider rejects our own credentials (sends wait).");
      out.push("# TYPE clausewatch_provider_held gauge");
      for (const p of ["email", "slack", "webhook"]) out.push(`clausewatch_provider_held{channel="${p}"} ${held.get(p) ? 1 : 0}`);
      return `${out.join("\n")}\n`;
    },
  };
}
