/**
 * Svix's retry schedule, the field's reference: the first attempt at once, then 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 10 h — each with ±20 % jitter so a provider outage doesn't come back
 * as a thundering herd. After the last one the notification is failed.
 */
const RETRY_SCHEDULE_MS = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length;

/**
 * The delay before the next attempt after `attempts` attempts have failed, or null when the
 * schedule is spent. A provider's Retry-After is honoured within [scheduled, 2 × scheduled]:
 * never sooner than the schedule, never parked for hours by a bogus header.
 *
 * @example nextRetryDelay(1, undefined, () => 0.5) // 5000 (no jitter at 0.5)
 */
export function nextRetryDelay(attempts: number, retryAfterMs?: number, random: () => number = Math.random): number | null {
  if (attempts >= MAX_ATTEMPTS) return null;
  const base = RETRY_SCHEDULE_MS[attempts];
  const jittered = Math.round(base * (0.8 + 0.4 * random()));
  if (retryAfterMs === undefined) return jittered;
  return Math.min(Math.max(retryAfterMs, jittered), 2 * jittered);
}
