import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { Piscina } from "piscina";
import type { Logger } from "../../lib/log";
import type { OutboundMessage, RenderEmail } from "../types";
import type { RenderOutcome, RenderWorkerData } from "./email-worker";
import { RenderUnavailableError } from "./unavailable";

export type PooledEmailRenderer = RenderEmail & {
  /**
   * Ends the threads; renders still queued or running fail with RenderUnavailableError, and so
   * does every render after. Stop whoever renders first (the service stops its dispatcher, whose
   * sends in flight finish, then closes this).
   */
  close(): Promise<void>;
  /** the pool's live threads (none before the first render): for tests and diagnostics */
  readonly threads: readonly Worker[];
};

export interface PooledEmailRendererOptions {
  publicUrl: string;
  /** worker threads, at least 1 (default: os.availableParallelism()) */
  threads?: number;
  /** a render unanswered after this long (queue wait included) fails as unavailable and its thread is replaced (default 30 s) */
  timeoutMs?: number;
  log?: Logger;
  /** the worker module (default: workerFile()); tests may point elsewhere */
  filename?: string;
}

/**
 * The worker module next to this code: the bundle (`npm run build`) puts its entry point
 * `email-worker.js` in dist/src/ with index.js and every chunk, so the code that creates the pool
 * finds it beside itself wherever esbuild placed that code; from the TypeScript sources (tsx,
 * vitest, the benches) a worker thread starts without a loader, so it goes through
 * `email-worker.dev.mjs`, which registers tsx and then loads email-worker.ts.
 */
export function workerFile(moduleUrl: string = import.meta.url): string {
  const name = /\.[cm]?tsx?$/.test(new URL(moduleUrl).pathname) ? "./email-worker.dev.mjs" : "./email-worker.js";
  return new URL(name, moduleUrl).href;
}

/**
 * An email renderer (the same `RenderEmail` as `createEmailRenderer`, the same bytes out) whose
 * renders run on a pool of worker threads (piscina): React's render is CPU-bound and synchronous
 * in between its awaits, so one thread caps the service at one core's rate; N threads render N at
 * a time while the main thread claims, composes and sends.
 *
 * Started on the first render (nothing is spawned for a service that sends no email), with all
 * its threads kept (minThreads = maxThreads; idle threads do not keep the process alive).
 * A thread that dies (crash, out of memory, `timeoutMs`) is replaced; the render it held rejects
 * with RenderUnavailableError, which the email channels answer with `retry` — the process never
 * sees the failure. A template that throws is answered by the worker as a value and rethrown here
 * as a plain Error: permanent, as it is in the main thread.
 *
 * @example
 * const renderEmail = createPooledEmailRenderer({ publicUrl, threads: 2, log });
 * const { html, text } = await renderEmail(msg);
 * await renderEmail.close(); // at shutdown, after the dispatcher stopped
 */
export function createPooledEmailRenderer(opts: PooledEmailRendererOptions): PooledEmailRenderer {
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`render threads must be a whole number ≥ 1 (got ${threads})`);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let pool: Piscina<OutboundMessage, RenderOutcome> | null = null;
  let closed = false;

  const start = () => {
    const workerData: RenderWorkerData = { publicUrl: opts.publicUrl };
    const p = new Piscina<OutboundMessage, RenderOutcome>({
      filename: opts.filename ?? workerFile(),
      workerData,
      minThreads: threads,
      maxThreads: threads,
      // a thread whose render was abandoned is replaced, not reused
      concurrentTasksPerWorker: 1,
    });
    // A thread lost with no render on it (its tasks get the error otherwise): without a listener
    // an 'error' event would throw in the main thread.
    p.on("error", (err: unknown) => opts.log?.warn("email render thread failed", { error: errorText(err) }));
    return p;
  };

  const render = async (msg: OutboundMessage) => {
    if (closed) throw new RenderUnavailableError("email render pool is closed");
    pool ??= start();
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    timer.unref();
    let out: RenderOutcome;
    try {
      // channel secrets (webhook/Slack only) have no business in a render thread
      out = await pool.run({ ...msg, channel: { ...msg.channel, secret: null } }, { signal: abort.signal });
    } catch (err) {
      throw new RenderUnavailableError(
        abort.signal.aborted ? `email render timed out after ${timeoutMs} ms` : `email render thread failed: ${errorText(err)}`,
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
    }
    if (!out.ok) throw new Error(out.error);
    return out.email;
  };

  const close = async () => {
    closed = true;
    const p = pool;
    pool = null;
    if (p) await p.destroy();
  };
  // defineProperties, not Object.assign: `threads` must stay a getter
  return Object.defineProperties(render, {
    close: { value: close },
    threads: { get: (): readonly Worker[] => pool?.threads ?? [] },
  }) as PooledEmailRenderer;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
