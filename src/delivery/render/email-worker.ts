import { workerData } from "node:worker_threads";
import type { OutboundMessage, RenderedEmail } from "../types";
import { createEmailRenderer } from "./email";

/**
 * One email render inside a worker thread of the pool (render/pool.ts): the very renderer the
 * main thread would use (`createEmailRenderer`), on the structured clone of the message.
 *
 * A template that throws is answered as a value, so that the pool can tell "this message cannot
 * be rendered" (permanent, as in the main thread) from "the worker is gone" (piscina rejects:
 * retry). Loaded by piscina: `dist/src/email-worker.js` in the bundle (an esbuild entry point of
 * `npm run build`), through `email-worker.dev.mjs` (tsx's loader) from the sources.
 */
export type RenderOutcome = { ok: true; email: RenderedEmail } | { ok: false; error: string };

export interface RenderWorkerData {
  publicUrl: string;
}

const renderEmail = createEmailRenderer({ publicUrl: (workerData as RenderWorkerData).publicUrl });

export default async function renderInWorker(msg: OutboundMessage): Promise<RenderOutcome> {
  try {
    return { ok: true, email: await renderEmail(msg) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
