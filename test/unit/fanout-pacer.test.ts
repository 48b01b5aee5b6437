// The fan-out's accepts-first pacing (ingest/fanout-worker.ts), on fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { acceptPacer } from "../../src/ingest/fanout-worker";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "performance"] });
  vi.advanceTimersByTime(1_000);
});
afterEach(() => {
  vi.useRealTimers();
});

/** Runs beforeRound to completion on fake time; answers the budget and how long it waited. */
async function timed(p: ReturnType<typeof acceptPacer>, during?: (elapsed: number) => void) {
  const start = performance.now();
  let budget: number | undefined | "pending" = "pending";
  void p.beforeRound().then((b) => {
    budget = b;
  });
  for (let t = 0; budget === "pending" && t < 1_000; t++) {
    during?.(performance.now() - start);
    await vi.advanceTimersByTimeAsync(1);
  }
  return { budget, waited: performance.now() - start };
}

describe("fan-out pacing: accepts first", () => {
  it("a lone accept is fanned out at once, with the busy budget", async () => {
    const p = acceptPacer(false);
    p.accepted();
    const r = await timed(p);
    expect(r.budget).toBe(15);
    expect(r.waited).toBeLessThanOrEqual(1);
  });

  it("while accepts stream in, a round waits for a 10 ms pause", async () => {
    const p = acceptPacer(false);
    p.accepted();
    vi.advanceTimersByTime(2);
    p.accepted(); // two within 10 ms: streaming
    const r = await timed(p, (elapsed) => {
      if (elapsed < 40 && Math.round(elapsed) % 5 === 0) p.accepted();
    });
    expect(r.budget).toBe(15);
    expect(r.waited).toBeGreaterThanOrEqual(45);
    expect(r.waited).toBeLessThan(60);
  });

  it("never defers a round more than 200 ms under sustained accepts", async () => {
    const p = acceptPacer(false);
    p.accepted();
    vi.advanceTimersByTime(1);
    p.accepted();
    const r = await timed(p, () => p.accepted());
    expect(r.waited).toBeGreaterThanOrEqual(200);
    expect(r.waited).toBeLessThan(215);
  });

  it("with no accept since the last round: the whole batch on PostgreSQL, 100 ms on PGlite", async () => {
    const pg = acceptPacer(false);
    const lite = acceptPacer(true);
    for (const p of [pg, lite]) {
      await timed(p);
      p.afterRound();
    }
    expect((await timed(pg)).budget).toBeUndefined();
    expect((await timed(lite)).budget).toBe(100);
  });

  it("on PGlite an accept right after a round (the thread was blocked) counts as streaming", async () => {
    const p = acceptPacer(true);
    p.afterRound();
    vi.advanceTimersByTime(3);
    p.accepted();
    const r = await timed(p);
    expect(r.waited).toBeGreaterThanOrEqual(6);
    const pg = acceptPacer(false);
    pg.afterRound();
    vi.advanceTimersByTime(3);
    pg.accepted();
    expect((await timed(pg)).waited).toBeLessThanOrEqual(1);
  });
});
