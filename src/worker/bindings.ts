/**
 * The slice of the Workers runtime API this service uses, typed structurally (the project does not
 * pull @cloudflare/workers-types into its Node type-check). Names follow the runtime's.
 */

export interface Hyperdrive {
  /** a postgres:// URL to Hyperdrive's pooler (locally: the binding's local connection string) */
  readonly connectionString: string;
}

export interface QueueSendOptions {
  /** 0 – 43,200 s (12 h) */
  delaySeconds?: number;
}

export interface Queue<Body> {
  send(body: Body, options?: QueueSendOptions): Promise<unknown>;
  sendBatch(messages: Iterable<{ body: Body } & QueueSendOptions>): Promise<unknown>;
}

export interface Message<Body> {
  readonly id: string;
  readonly body: Body;
  /** deliveries of this message so far, this one included */
  readonly attempts: number;
  ack(): void;
  retry(options?: QueueSendOptions): void;
}

export interface MessageBatch<Body> {
  readonly queue: string;
  readonly messages: readonly Message<Body>[];
  ackAll(): void;
  retryAll(options?: QueueSendOptions): void;
}

export interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  props: unknown;
}

export interface ScheduledController {
  readonly scheduledTime: number;
  readonly cron: string;
}

export interface DurableObjectStub {
  fetch(input: string, init?: RequestInit): Promise<Response>;
}

export interface DurableObjectNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): DurableObjectStub;
}

export interface DurableObjectStorage {
  get<T>(key: string): Promise<T | undefined>;
  put<T>(key: string, value: T): Promise<void>;
  deleteAll(): Promise<void>;
  setAlarm(scheduledTime: number): Promise<void>;
}

export interface DurableObjectState {
  readonly storage: DurableObjectStorage;
}

/** What the fan-out queue carries: an accepted event's id (the consumer fans out everything pending). */
export interface FanoutMessage {
  event_id: string;
}

/** What the delivery queue carries: one outbox row to claim and send. */
export interface DeliveryMessage {
  notification_id: string;
}

/** The bindings of wrangler.toml, plus the vars and secrets `npm start` reads from its environment. */
export interface WorkerEnv {
  HYPERDRIVE?: Hyperdrive;
  /**
   * a direct PostgreSQL URL used instead of HYPERDRIVE (the Workers-runtime tests); in production
   * the database is reached through Hyperdrive only
   */
  DIRECT_DATABASE_URL?: string;
  FANOUT_QUEUE: Queue<FanoutMessage>;
  DELIVERY_QUEUE: Queue<DeliveryMessage>;
  RATE_LIMITER: DurableObjectNamespace;
  [name: string]: unknown;
}
