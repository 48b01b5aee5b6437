import type { Database } from "./db/types";
import type { Metrics } from "./delivery/metrics";
import type { Clock } from "./lib/clock";
import type { Keys } from "./lib/crypto";
import type { Logger } from "./lib/log";
import type { ResolveHost } from "./lib/resolve";
import type { RateLimits, RemoteAddress } from "./middleware/rate-limit";

/** Settings the app needs, already parsed and defaulted (see env.ts and index.ts). */
export interface AppConfig {
  adminToken: string;
  /** `whsec_…`: verifies the pipeline's Standard Webhooks signatures */
  ingestSecret: string;
  publicUrl: string;
  allowPrivateWebhookTargets: boolean;
  /** Svix secret of Resend's webhooks; unset → POST /v1/providers/resend answers 404 */
  resendWebhookSecret?: string;
  /** METRICS_TOKEN: when set, GET /metrics wants it as a bearer token */
  metricsToken?: string;
  /** "Add to Slack" (SLACK_CLIENT_ID / SLACK_CLIENT_SECRET); unset → the button is hidden and /slack/* answer 404 */
  slack?: SlackAppConfig;
  /** RATE_LIMIT_PER_MINUTE: user API requests per API key; unset → 600 (used when Deps has no rateLimits) */
  rateLimitPerMinute?: number;
  /** PUBLIC_RATE_LIMIT_PER_MINUTE: public-route requests per client address; unset → 60 */
  publicRateLimitPerMinute?: number;
  /** TRUST_PROXY: the client address is the last X-Forwarded-For hop; unset → the socket's */
  trustProxy?: boolean;
  /** REQUEST_TIMEOUT_MS: a request still unanswered then gets 503 `unavailable`; unset → 15 s */
  requestTimeoutMs?: number;
}

export interface SlackAppConfig {
  clientId: string;
  clientSecret: string;
  /** Web API base (SLACK_API_URL), e.g. a local fake in tests; unset → Slack's */
  apiUrl?: string;
  /** OAuth v2 authorize page; unset → https://slack.com/oauth/v2/authorize */
  authorizeUrl?: string;
}

/**
 * Everything the app uses comes in here; nothing reaches for globals or process.env.
 * @example createApp({ database, clock: systemClock, keys, config, log })
 */
export interface Deps {
  database: Database;
  clock: Clock;
  keys: Keys;
  config: AppConfig;
  log: Logger;
  /** DNS for the webhook URL check at channel creation; unset → only literal addresses are checked */
  resolveHost?: ResolveHost;
  /** called after a commit that queued notifications, to wake the dispatcher */
  onQueued?: () => void;
  /**
   * called after ingest stored a new event, to wake the fan-out worker (Node: here and, by NOTIFY,
   * on other replicas; the Worker: a fan-out queue message carrying the event id)
   */
  onAccepted?: (eventId: string) => void;
  /**
   * delivery counters for /metrics (prom-client's createMetrics in index.ts); unset → createApp
   * exposes only the outbox gauges (createOutboxMetrics), as the Worker does
   */
  metrics?: Metrics;
  /** rate-limit counters (Redis-backed in index.ts); unset → createApp counts in memory from config */
  rateLimits?: RateLimits;
  /** the connection's peer address (Node: the socket); unset → "unknown" unless TRUST_PROXY */
  remoteAddress?: RemoteAddress;
}
