/**
 * The ingest benchmark's load generator, run as a child process (bench/ingest.ts forks it) so
 * its event loop, heap and CPU are not the service's: `conns` keep-alive connections, each
 * posting one signed event after another, every event with a fresh id, for `seconds`.
 * Standard Webhooks signatures are made per request (node:crypto HMAC, a few µs), which is what
 * a producer does.
 */
import { createHmac } from "node:crypto";
import http from "node:http";
import { percentile } from "./stats";

export interface LoadRequest {
  url: string;
  /** `whsec_…` */
  secret: string;
  conns: number;
  seconds: number;
  /** request timeout (ms): counted as a timeout, the connection is dropped */
  timeoutMs: number;
  /** every event's id is `${idPrefix}_${conn}_${n}` */
  idPrefix: string;
  /** JSON of an event whose id is the string `__ID__` (and may use `__PLATFORM__`) */
  template: string;
  /** the platform slugs to cycle through, one per event */
  platforms: string[];
}

export interface LoadResult {
  /** 2xx answers within the window */
  ok: number;
  /** seconds the window lasted */
  seconds: number;
  non2xx: Record<string, number>;
  timeouts: number;
  errors: number;
  /** latency of the 2xx answers, ms */
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export async function runLoad(r: LoadRequest): Promise<LoadResult> {
  const key = Buffer.from(r.secret.replace(/^whsec_/, ""), "base64");
  const agent = new http.Agent({ keepAlive: true, maxSockets: r.conns });
  const target = new URL(r.url);
  const [before, after] = r.template.split('"__ID__"');
  const latencies: number[] = [];
  const non2xx: Record<string, number> = {};
  let ok = 0;
  let timeouts = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + r.seconds * 1000;
  let seq = 0;

  const post = (body: string, id: string) =>
    new Promise<{ status: number } | "timeout" | "error">((resolve) => {
      const ts = Math.floor(Date.now() / 1000);
      const sig = createHmac("sha256", key).update(`${id}.${ts}.`).update(body).digest("base64");
      const req = http.request(
        {
          hostname: target.hostname,
          port: target.port,
          path: target.pathname,
          method: "POST",
          agent,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "webhook-id": id,
            "webhook-timestamp": String(ts),
            "webhook-signature": `v1,${sig}`,
          },
        },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0 });
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        resolve("timeout");
      }, r.timeoutMs);
      req.on("error", () => {
        clearTimeout(timer);
        resolve("error");
      });
      req.end(body);
    });

  const connection = async (c: number) => {
    let n = 0;
    while (performance.now() < end) {
      const id = `${r.idPrefix}_${c}_${n++}`;
      const platform = r.platforms[seq++ % r.platforms.length];
      const body = `${before}"${id}"${after}`.replace('"__PLATFORM__"', JSON.stringify(platform));
      const t0 = performance.now();
      const out = await post(body, id);
      const t1 = performance.now();
      if (out === "timeout") timeouts++;
      else if (out === "error") errors++;
      else if (out.status >= 200 && out.status < 300) {
        // an answer after the window closed is not counted in the rate (its latency still is)
        if (t1 <= end) ok++;
        latencies.push(t1 - t0);
      } else non2xx[out.status] = (non2xx[out.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: r.conns }, (_, c) => connection(c)));
  agent.destroy();
  return {
    ok,
    seconds: r.seconds,
    non2xx,
    timeouts,
    errors,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.reduce((a, b) => Math.max(a, b), 0),
  };
}

// forked by bench/ingest.ts: one request per message, the result sent back
if (process.send) {
  process.on("message", (m: LoadRequest | "exit") => {
    if (m === "exit") process.exit(0);
    runLoad(m).then(
      (res) => process.send?.(res),
      (err) => process.send?.({ error: String(err) }),
    );
  });
}
