/**
 * Pacing for providers, dependency-free: a token bucket (Resend: N requests/s per team), a per-key
 * minimum interval (Slack: about one message per second per channel) and a per-key concurrency
 * limit (webhooks: at most N requests in flight per receiving host).
 *
 * Everything takes a `Timer`, so tests can drive time by hand instead of sleeping.
 */

export interface Timer {
  /** milliseconds, monotonic enough for spacing requests */
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realTimer: Timer = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface TokenBucket {
  /** Resolves when a token is taken; callers are served in order. */
  acquire(): Promise<void>;
  /** No token is handed out before `ms` from now (the provider said its window is spent). */
  pauseFor(ms: number): void;
  /** Roughly how long an `acquire()` made now would wait, in ms (queue and pause included). */
  delay(): number;
}

/**
 * A token bucket refilled at `ratePerSecond`, holding at most `burst` tokens (default 1, which
 * spaces requests evenly: a burst of N followed by steady traffic would put 2N requests into the
 * provider's first one-second window).
 * @example const bucket = createTokenBucket({ ratePerSecond: 5 }); await bucket.acquire();
 */
export function createTokenBucket(opts: { ratePerSecond: number; burst?: number; timer?: Timer }): TokenBucket {
  const { ratePerSecond, timer = realTimer } = opts;
  if (!(ratePerSecond > 0)) throw new RangeError("ratePerSecond must be positive");
  const burst = Math.max(1, opts.burst ?? 1);
  const msPerToken = 1000 / ratePerSecond;
  let tokens = burst;
  let last = timer.now();
  let pausedUntil = Number.NEGATIVE_INFINITY;
  // One chain of waiters keeps the order fair and makes the arithmetic below single-threaded.
  let tail: Promise<void> = Promise.resolve();
  let waiting = 0;

  const refill = () => {
    const now = timer.now();
    tokens = Math.min(burst, tokens + (now - last) / msPerToken);
    last = now;
    return now;
  };

  const take = async () => {
    for (;;) {
      const now = refill();
      if (now < pausedUntil) {
        await timer.sleep(pausedUntil - now);
        continue;
      }
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await timer.sleep((1 - tokens) * msPerToken);
    }
  };

  return {
    acquire() {
      waiting++;
      const turn = tail.then(take).finally(() => {
        waiting--;
      });
      tail = turn.catch(() => {});
      return turn;
    },
    pauseFor(ms) {
      if (!(ms > 0)) return;
      const until = timer.now() + ms;
      if (until > pausedUntil) pausedUntil = until;
      // the window restarts after the pause: no saved-up burst on top of it
      tokens = Math.min(tokens, 1);
    },
    delay() {
      const now = refill();
      const paused = Math.max(0, pausedUntil - now);
      return paused + Math.max(0, waiting + 1 - tokens) * msPerToken;
    },
  };
}

export interface IntervalGate {
  /** Waits until this key's next slot (at least `intervalMs` after the previous one) and takes it. */
  acquire(key: string): Promise<void>;
  /** How long an `acquire(key)` made now would wait, in ms (0 when the key is free). */
  delayFor(key: string): number;
  /** Nothing for this key before `ms` from now (e.g. the provider answered 429 for it). */
  holdFor(key: string, ms: number): void;
}

/**
 * A per-key minimum interval between starts. A slot is reserved synchronously when `acquire` is
 * called, so concurrent callers for one key are spread out instead of all waking together.
 * @example const gate = createIntervalGate({ intervalMs: 1000 }); await gate.acquire(channelId);
 */
export function createIntervalGate(opts: { intervalMs: number; timer?: Timer }): IntervalGate {
  const { intervalMs, timer = realTimer } = opts;
  /** key → earliest time the next slot may start */
  const next = new Map<string, number>();

  const prune = (now: number) => {
    if (next.size < 1024) return;
    for (const [k, t] of next) if (t <= now) next.delete(k);
  };

  return {
    acquire(key) {
      const now = timer.now();
      prune(now);
      const slot = Math.max(now, next.get(key) ?? now);
      next.set(key, slot + intervalMs);
      return slot > now ? timer.sleep(slot - now) : Promise.resolve();
    },
    delayFor(key) {
      const t = next.get(key);
      return t === undefined ? 0 : Math.max(0, t - timer.now());
    },
    holdFor(key, ms) {
      const until = timer.now() + ms;
      if (until > (next.get(key) ?? Number.NEGATIVE_INFINITY)) next.set(key, until);
    },
  };
}

interface KeyedConcurrency {
  /** Runs `fn` once fewer than `limit` calls for `key` are running; FIFO per key. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Calls running for `key` now (for tests and metrics). */
  inFlight(key: string): number;
}

/**
 * At most `limit` concurrent calls per key.
 * @example const hosts = createKeyedConcurrency({ limit: 4 }); await hosts.run(url.host, () => post(url));
 */
export function createKeyedConcurrency(opts: { limit: number }): KeyedConcurrency {
  const { limit } = opts;
  if (!(limit >= 1)) throw new RangeError("limit must be at least 1");
  const state = new Map<string, { running: number; waiting: (() => void)[] }>();

  const enter = (key: string): Promise<void> => {
    let s = state.get(key);
    if (!s) {
      s = { running: 0, waiting: [] };
      state.set(key, s);
    }
    if (s.running < limit) {
      s.running++;
      return Promise.resolve();
    }
    const entry = s;
    // the slot is handed over by `leave`, which keeps `running` unchanged for the next waiter
    return new Promise((resolve) => entry.waiting.push(resolve));
  };

  const leave = (key: string) => {
    const s = state.get(key);
    if (!s) return;
    const nextWaiter = s.waiting.shift();
    if (nextWaiter) return nextWaiter();
    s.running--;
    if (s.running === 0) state.delete(key);
  };

  return {
    async run(key, fn) {
      await enter(key);
      try {
        return await fn();
      } finally {
        leave(key);
      }
    },
    inFlight: (key) => state.get(key)?.running ?? 0,
  };
}

/**
 * `Retry-After` (RFC 9110): delay-seconds or an HTTP-date, in ms from `nowMs` (wall clock);
 * undefined when absent or unparsable. Negative delays become 0.
 */
export function retryAfterMs(value: string | string[] | null | undefined, nowMs: number = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // a date needs letters (a weekday or month); this keeps "1.5" and "-3" from parsing as dates
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
