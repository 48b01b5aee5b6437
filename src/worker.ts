import { createApp } from "./app";
import { runDigestPlanner } from "./digest/planner";
import { fanOutPending } from "./ingest/fanout-worker";
import { claimTick, minuteSlot } from "./jobs/coordinator";
import { type Job, runJob } from "./jobs/run";
import { runTrialJob } from "./jobs/trials";
import { systemClock } from "./lib/clock";
import type {
  DeliveryMessage,
  ExecutionContext,
  FanoutMessage,
  MessageBatch,
  ScheduledController,
  WorkerEnv,
} from "./worker/bindings";
import { batchDispatcher, databaseFor, requestDeps, WorkerConfigError, workerBase } from "./worker/deps";
import { consumeDelivery, consumeFanout, sweepDue } from "./worker/pipeline";

export { RateLimitCounter } from "./worker/rate-limit-store";

/**
 * The Cloudflare Workers entry (wrangler.toml): the same app and pipeline as src/index.ts, with
 * Queues and a cron trigger where Node has in-process workers, LISTEN/NOTIFY and node-cron.
 * - fetch: `createApp(deps)` with deps built for the request from the bindings
 * - queue: the fan-out consumer (fan out, then wake delivery) and the delivery consumer
 * - scheduled (every minute): digest planner and trial expiry (once per minute across
 *   everything sharing the database, Node replicas included), a fan-out catch-up and the
 *   due-row sweep, which together make a lost queue message cost a minute, never a message
 */
export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let deps: Awaited<ReturnType<typeof requestDeps>>;
    try {
      deps = await requestDeps(env, ctx);
    } catch (err) {
      if (!(err instanceof WorkerConfigError)) throw err;
      console.error(JSON.stringify({ level: "error", msg: "clausewatch: invalid configuration", problems: err.problems }));
      return Response.json(
        { error: { code: "internal", message: "the service is not configured", request_id: "none" } },
        { status: 500 },
      );
    }
    // One app per request (≈2 ms of CPU): its database client cannot outlive the request in workerd.
    return createApp(deps).fetch(request, env, ctx);
  },

  async queue(batch: MessageBatch<FanoutMessage | DeliveryMessage>, env: WorkerEnv): Promise<void> {
    const base = await workerBase(env);
    const database = databaseFor(env);
    const now = () => systemClock.now();
    if (isFanout(batch)) {
      const r = await consumeFanout({ db: database.db, now, log: base.log, delivery: env.DELIVERY_QUEUE }, batch);
      base.log.info("fan-out consumer", { messages: batch.messages.length, ...r });
    } else {
      const dispatcher = batchDispatcher(base, database);
      const r = await consumeDelivery({ db: database.db, now, dispatcher }, batch as MessageBatch<DeliveryMessage>);
      base.log.info("delivery consumer", { messages: batch.messages.length, ...r });
    }
  },

  async scheduled(_controller: ScheduledController, env: WorkerEnv, _ctx: ExecutionContext): Promise<void> {
    const base = await workerBase(env);
    const database = databaseFor(env);
    const o = { database, clock: systemClock, log: base.log };
    const jobs: Job[] = [
      { name: "digests", run: async (now) => ({ ...(await runDigestPlanner({ database, now, queueAt: now, log: base.log })) }) },
      {
        name: "trials",
        run: async (now) => {
          const r = await runTrialJob({ database, now, log: base.log });
          return { notices: r.notices, trials_ended: r.expired.users, alerts_suppressed: r.expired.alertsSuppressed };
        },
      },
    ];
    for (const job of jobs) {
      // one run per minute whoever else shares the database (job_runs), as node-cron's coordinator on Node
      if (await claimTick(database.db, job.name, minuteSlot(systemClock.now()), systemClock.now())) await runJob(o, job);
    }
    // events whose fan-out message was lost, then every due row (what the jobs just queued included)
    const fanned = await fanOutPending(database.db, systemClock.now(), { log: base.log });
    const woken = await sweepDue(database.db, env.DELIVERY_QUEUE, systemClock.now());
    base.log.info("cron sweep", { events_fanned_out: fanned.events, deliveries_enqueued: woken });
  },
};

/**
 * Which consumer a batch is for: both queues share the Worker's one `queue` handler, told apart by
 * name (wrangler.toml: a queue whose name contains "fanout" is the fan-out queue).
 */
function isFanout(batch: MessageBatch<FanoutMessage | DeliveryMessage>): batch is MessageBatch<FanoutMessage> {
  return batch.queue.includes("fanout");
}
