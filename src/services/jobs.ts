import type { Deps } from "../deps";
import { type PlannerResult, runDigestPlanner } from "../digest/planner";

/**
 * Jobs the operator (and the tests) can run on demand, outside their schedule.
 */
export type { PlannerResult } from "../digest/planner";

/**
 * Runs the digest planner now. `now` (default: the clock) decides what is due and ends the
 * period; what it builds is queued due at once and the dispatcher is woken.
 */
export async function runDigestsNow(
  deps: Pick<Deps, "database" | "clock" | "log" | "onQueued">,
  now?: Date,
): Promise<PlannerResult> {
  const { database, clock, log, onQueued } = deps;
  const queueAt = clock.now();
  const result = await runDigestPlanner({ database, now: now ?? queueAt, queueAt, log });
  if (result.notifications > 0) onQueued?.();
  return result;
}
