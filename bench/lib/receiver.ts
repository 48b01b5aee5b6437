import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface Receiver {
  url: string;
  /** requests answered so far */
  count(): number;
  close(): Promise<void>;
}

/**
 * The smallest webhook receiver: reads the body, answers 204. `onRequest` sees every request
 * (with its body) as it completes, before the answer goes out.
 */
export async function startReceiver(onRequest?: (req: IncomingMessage, body: string, at: number) => void): Promise<Receiver> {
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      n++;
      onRequest?.(req, onRequest.length > 1 ? Buffer.concat(chunks).toString("utf8") : "", at);
      res.writeHead(204).end();
    });
  });
  // the webhook channel opens a connection per request: do not let the backlog be the limit
  await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    count: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The receiver's code for a worker thread (a CommonJS script: workers evaluate strings that way). */
const THREAD_RECEIVER = `
const { createServer } = require("node:http");
const { parentPort, workerData } = require("node:worker_threads");
const hits = new Int32Array(workerData.hits);
const server = createServer((req, res) => {
  req.on("data", () => {});
  req.on("end", () => {
    Atomics.add(hits, 0, 1);
    const ms = workerData.delayMs > 0 ? Math.random() * 2 * workerData.delayMs : 0;
    if (ms > 0) setTimeout(() => res.writeHead(204).end(), ms);
    else res.writeHead(204).end();
  });
});
server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, () => parentPort.postMessage(server.address().port));
parentPort.on("message", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
`;

/**
 * The same receiver on its own thread: it stands for a remote endpoint, so its HTTP parsing and
 * answering are not charged to the dispatcher's event loop (the process CPU still includes it).
 * `delayMs` > 0: each answer waits a uniformly random 0–2×delayMs, like a real receiver's latency.
 */
export async function startThreadReceiver(opts: { delayMs?: number } = {}): Promise<Receiver> {
  const { Worker } = await import("node:worker_threads");
  const shared = new SharedArrayBuffer(4);
  const hits = new Int32Array(shared);
  const worker = new Worker(THREAD_RECEIVER, { eval: true, workerData: { hits: shared, delayMs: opts.delayMs ?? 0 } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    count: () => Atomics.load(hits, 0),
    close: async () => {
      const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
      worker.postMessage("close");
      await exited;
    },
  };
}
