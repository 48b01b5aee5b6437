export const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Nearest-rank percentile (p in 0–100) of unsorted samples. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export const median = (xs: readonly number[]) => percentile(xs, 50);

/** Samples this process's RSS every `everyMs` until stopped; `peak()` is the largest seen (MB). */
export function rssSampler(everyMs = 50) {
  let peak = process.memoryUsage().rss;
  let heap = process.memoryUsage().heapUsed;
  const take = () => {
    const m = process.memoryUsage();
    if (m.rss > peak) peak = m.rss;
    if (m.heapUsed > heap) heap = m.heapUsed;
  };
  const timer = setInterval(take, everyMs);
  timer.unref();
  return {
    sample: take,
    /** the largest V8 heap in use seen (MB) */
    peakHeapMb: () => heap / 1024 / 1024,
    peakMb: () => {
      take();
      return peak / 1024 / 1024;
    },
    stop() {
      take();
      clearInterval(timer);
      return peak / 1024 / 1024;
    },
  };
}

/** Resolves once `done()` holds, checking every `everyMs`; throws after `timeoutMs` so a bench always ends. */
export async function waitFor(what: string, done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 10) {
  const until = performance.now() + timeoutMs;
  while (!(await done())) {
    if (performance.now() > until) throw new Error(`timed out after ${fmt(timeoutMs)} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
