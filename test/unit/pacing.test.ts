import { describe, expect, it } from "vitest";
import {
  createIntervalGate,
  createKeyedConcurrency,
  createTokenBucket,
  retryAfterMs,
  type Timer,
} from "../../src/delivery/pacing";

/** A clock moved by hand: `sleep` resolves when `advance` passes its due time. */
function manualTimer(): Timer & { advance(ms: number): Promise<void> } {
  let t = 0;
  let sleepers: { due: number; wake: () => void }[] = [];
  const settle = () => new Promise<void>((r) => setImmediate(r));
  return {
    now: () => t,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ due: t + Math.max(0, ms), wake })),
    async advance(ms) {
      const target = t + ms;
      await settle();
      for (;;) {
        const due = sleepers.filter((s) => s.due <= target).sort((a, b) => a.due - b.due)[0];
        if (!due) break;
        t = due.due;
        sleepers = sleepers.filter((s) => s !== due);
        due.wake();
        await settle();
      }
      t = target;
    },
  };
}

/** Starts `n` acquires and records the (manual) time each one got through. */
function track(n: number, acquire: () => Promise<void>, timer: Timer) {
  const times: number[] = [];
  for (let i = 0; i < n; i++) void acquire().then(() => times.push(timer.now()));
  return times;
}

describe("token bucket", () => {
  it("spaces requests evenly at the rate, first one at once", async () => {
    const timer = manualTimer();
    const bucket = createTokenBucket({ ratePerSecond: 10, timer });
    const times = track(4, () => bucket.acquire(), timer);
    await timer.advance(1000);
    expect(times).toEqual([0, 100, 200, 300]);
  });

  it("lets a burst through, then refills at the rate", async () => {
    const timer = manualTimer();
    const bucket = createTokenBucket({ ratePerSecond: 10, burst: 3, timer });
    const times = track(5, () => bucket.acquire(), timer);
    await timer.advance(1000);
    expect(times).toEqual([0, 0, 0, 100, 200]);
  });

  it("pauseFor holds every waiter until the provider's window resets", async () => {
    const timer = manualTimer();
    const bucket = createTokenBucket({ ratePerSecond: 100, timer });
    await bucket.acquire();
    bucket.pauseFor(500);
    const times = track(2, () => bucket.acquire(), timer);
    await timer.advance(499);
    expect(times).toEqual([]);
    await timer.advance(100);
    expect(times).toEqual([500, 510]);
  });

  it("delay() tells how long a new acquire would wait (queue and pause)", async () => {
    const timer = manualTimer();
    const bucket = createTokenBucket({ ratePerSecond: 10, timer });
    expect(bucket.delay()).toBe(0);
    track(3, () => bucket.acquire(), timer);
    await timer.advance(0);
    // two still queued behind the one that went through: the next would go at 300 ms
    expect(bucket.delay()).toBe(300);
    bucket.pauseFor(2000);
    expect(bucket.delay()).toBeGreaterThanOrEqual(2000);
  });

  it("really waits with the real clock (20/s: four acquires take about 150 ms)", async () => {
    const bucket = createTokenBucket({ ratePerSecond: 20 });
    const start = performance.now();
    await Promise.all([bucket.acquire(), bucket.acquire(), bucket.acquire(), bucket.acquire()]);
    const elapsed = performance.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1000);
  });

  it("refuses a rate that is not positive", () => {
    expect(() => createTokenBucket({ ratePerSecond: 0 })).toThrow(RangeError);
  });
});

describe("interval gate (per key)", () => {
  it("spaces starts for one key and leaves other keys alone", async () => {
    const timer = manualTimer();
    const gate = createIntervalGate({ intervalMs: 1000, timer });
    const a = track(3, () => gate.acquire("C1"), timer);
    const b = track(1, () => gate.acquire("C2"), timer);
    await timer.advance(5000);
    expect(a).toEqual([0, 1000, 2000]);
    expect(b).toEqual([0]);
  });

  it("only waits for what is left of the interval", async () => {
    const timer = manualTimer();
    const gate = createIntervalGate({ intervalMs: 1000, timer });
    await gate.acquire("C1");
    await timer.advance(700);
    expect(gate.delayFor("C1")).toBe(300);
    const times = track(1, () => gate.acquire("C1"), timer);
    await timer.advance(1000);
    expect(times).toEqual([1000]);
    expect(gate.delayFor("C9")).toBe(0);
  });

  it("holdFor pushes a key's next slot back (a 429 for that channel)", async () => {
    const timer = manualTimer();
    const gate = createIntervalGate({ intervalMs: 100, timer });
    gate.holdFor("C1", 3000);
    expect(gate.delayFor("C1")).toBe(3000);
    const times = track(1, () => gate.acquire("C1"), timer);
    await timer.advance(5000);
    expect(times).toEqual([3000]);
  });

  it("really waits with the real clock", async () => {
    const gate = createIntervalGate({ intervalMs: 120 });
    const start = performance.now();
    await gate.acquire("k");
    await gate.acquire("k");
    await gate.acquire("k");
    const elapsed = performance.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(230);
    expect(elapsed).toBeLessThan(1000);
  });
});

describe("keyed concurrency", () => {
  const deferred = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    return { promise, resolve };
  };

  it("runs at most `limit` per key, FIFO, and other keys independently", async () => {
    const limiter = createKeyedConcurrency({ limit: 2 });
    const gates = Array.from({ length: 4 }, deferred);
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      limiter.run("hooks.example", async () => {
        started.push(i);
        await g.promise;
        return i;
      }),
    );
    let other = false;
    const otherRun = limiter.run("other.example", async () => {
      other = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    expect(limiter.inFlight("hooks.example")).toBe(2);
    expect(other).toBe(true);

    gates[1].resolve();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    expect(limiter.inFlight("hooks.example")).toBe(2);

    for (const g of gates) g.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    await otherRun;
    expect(limiter.inFlight("hooks.example")).toBe(0);
  });

  it("frees the slot when the task fails", async () => {
    const limiter = createKeyedConcurrency({ limit: 1 });
    await expect(limiter.run("k", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(limiter.inFlight("k")).toBe(0);
    expect(await limiter.run("k", async () => "next")).toBe("next");
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("2026-05-09T14:00:00Z");

  it.each([
    ["120", 120_000],
    ["0", 0],
    ["Sat, 09 May 2026 14:00:30 GMT", 30_000],
    ["Sat, 09 May 2026 13:00:00 GMT", 0],
    ["", undefined],
    ["soon", undefined],
    ["1.5", undefined],
    ["-3", undefined],
    [undefined, undefined],
  ])("%s → %s", (value, expected) => {
    expect(retryAfterMs(value, now)).toBe(expected);
  });

  it("takes the first of repeated headers", () => {
    expect(retryAfterMs(["5", "9"], now)).toBe(5000);
  });
});
