// The parts of `cloudflare:test` (@cloudflare/vitest-pool-workers) this suite uses, typed with the
// project's own bindings: the package's full types need @cloudflare/workers-types, which the Node
// type-check of this project does not load.
declare module "cloudflare:test" {
  import type { ExecutionContext, MessageBatch, ScheduledController, WorkerEnv } from "../../src/worker/bindings";

  export const env: WorkerEnv & Record<string, string> & { ASSETS: { fetch(input: string): Promise<Response> } };
  export function createExecutionContext(): ExecutionContext;
  export function waitOnExecutionContext(ctx: ExecutionContext): Promise<void>;
  export function createScheduledController(options?: { scheduledTime?: Date | number; cron?: string }): ScheduledController;
  export function createMessageBatch<Body = unknown>(
    queueName: string,
    messages: { id: string; timestamp: Date; attempts: number; body: Body }[],
  ): MessageBatch<Body>;
  export function getQueueResult(
    batch: MessageBatch<unknown>,
    ctx: ExecutionContext,
  ): Promise<{
    outcome: string;
    ackAll: boolean;
    retryBatch: { retry: boolean };
    explicitAcks: string[];
    retryMessages: { msgId: string }[];
  }>;
}
