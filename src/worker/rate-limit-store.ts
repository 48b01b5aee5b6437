import type { Limiter, LimiterState, RateLimits } from "../middleware/rate-limit";
import type { DurableObjectNamespace, DurableObjectState } from "./bindings";

interface Window {
  consumed: number;
  /** epoch ms when this window ends and the budget comes back */
  resetAt: number;
}

interface ConsumeRequest {
  points: number;
  durationMs: number;
}

/** What the counter answers: the points consumed in the current window (this one included). */
interface ConsumeAnswer {
  consumed: number;
  msBeforeNext: number;
}

/**
 * One rate-limit key's counter, as a Durable Object: every request for the key, from any isolate
 * anywhere, lands on this one object and its calls run one at a time, so the count is exact (KV
 * would be eventually consistent, isolate memory per isolate). A fixed window that opens on the
 * first request, as rate-limiter-flexible's limiters count on Node. Storage is cleared by an alarm
 * once the window is over, so idle keys cost nothing.
 */
export class RateLimitCounter {
  constructor(private readonly state: DurableObjectState) {}

  async fetch(request: Request): Promise<Response> {
    const { points, durationMs } = (await request.json()) as ConsumeRequest;
    const now = Date.now();
    let w = await this.state.storage.get<Window>("window");
    if (!w || w.resetAt <= now) {
      w = { consumed: 0, resetAt: now + durationMs };
      await this.state.storage.setAlarm(w.resetAt);
    }
    // a rejected request still counts, as on Node: hammering does not shorten the wait
    w.consumed = Math.min(w.consumed + 1, points + 1);
    await this.state.storage.put("window", w);
    const answer: ConsumeAnswer = { consumed: w.consumed, msBeforeNext: w.resetAt - now };
    return Response.json(answer);
  }

  async alarm(): Promise<void> {
    const w = await this.state.storage.get<Window>("window");
    if (w && w.resetAt > Date.now()) await this.state.storage.setAlarm(w.resetAt);
    else await this.state.storage.deleteAll();
  }
}

/** A Limiter (the app's narrow face of a rate limiter) counting in RateLimitCounter objects. */
function durableLimiter(ns: DurableObjectNamespace, name: string, points: number, duration: number): Limiter {
  return {
    points,
    duration,
    async consume(key) {
      const stub = ns.get(ns.idFromName(`${name}:${key}`));
      const res = await stub.fetch("https://rate-limit/consume", {
        method: "POST",
        body: JSON.stringify({ points, durationMs: duration * 1000 } satisfies ConsumeRequest),
      });
      if (!res.ok) throw new Error(`rate-limit counter answered ${res.status}`);
      const { consumed, msBeforeNext } = (await res.json()) as ConsumeAnswer;
      const state: LimiterState = { remainingPoints: Math.max(0, points - consumed), msBeforeNext };
      // Limiter's contract (rate-limiter-flexible's): a spent budget rejects with the state itself
      if (consumed > points) return Promise.reject(state);
      return state;
    },
  };
}

/**
 * The Worker's rate limits: the same budgets as Node (RATE_LIMIT_PER_MINUTE per user,
 * PUBLIC_RATE_LIMIT_PER_MINUTE per client address), counted in Durable Objects.
 *
 * @example deps.rateLimits = durableRateLimits(env.RATE_LIMITER, { userPerMinute: 600, publicPerMinute: 60 });
 */
export function durableRateLimits(
  ns: DurableObjectNamespace,
  o: { userPerMinute: number; publicPerMinute: number; windowSeconds?: number },
): RateLimits {
  const duration = o.windowSeconds ?? 60;
  return {
    user: durableLimiter(ns, "user", o.userPerMinute, duration),
    public: durableLimiter(ns, "public", o.publicPerMinute, duration),
  };
}
