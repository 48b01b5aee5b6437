import { z } from "zod";
import type { AppConfig } from "./deps";

const bool = z
  .enum(["true", "false", "1", "0"], { message: "must be true, false, 1 or 0" })
  .transform((v) => v === "true" || v === "1");

const secretKey = z.string().refine((v) => {
  const hex = /^[0-9a-fA-F]+$/.test(v) && v.length % 2 === 0;
  const bytes = hex ? v.length / 2 : /^[A-Za-z0-9+/_-]+=*$/.test(v) ? Math.floor((v.replace(/=+$/, "").length * 3) / 4) : 0;
  return bytes >= 32;
}, "must be at least 32 bytes, hex or base64");

const httpUrl = z.string().regex(/^https?:\/\/[^\s/]+[^\s]*$/, "must be an http(s) URL");

/** Decimal numbers only: `0x50`, `1e3` or ` 80 ` are typos, not ports. */
const port = z
  .string()
  .regex(/^\d{1,5}$/, "must be a port number from 1 to 65535")
  .transform(Number)
  .refine((n) => n >= 1 && n <= 65535, "must be a port number from 1 to 65535");

const positive = z
  .string()
  .regex(/^\d+(\.\d+)?$/, "must be a positive number")
  .transform(Number)
  .refine((n) => n > 0, "must be a positive number");

const perMinute = z
  .string()
  .regex(/^\d+$/, "must be a whole number of requests, at least 1")
  .transform(Number)
  .refine((n) => n >= 1 && Number.isSafeInteger(n), "must be a whole number of requests, at least 1");

/** Worker threads: 0 (render in the main thread) up to 256. */
const threads = z
  .string()
  .regex(/^\d{1,3}$/, "must be a whole number of threads from 0 to 256")
  .transform(Number)
  .refine((n) => n <= 256, "must be a whole number of threads from 0 to 256");

/** `addr@host` or `Name <addr@host>` (host may be a bare name such as localhost). */
const mailbox = z
  .string()
  .regex(/^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, "must be a mailbox: addr@host or Name <addr@host>");

/** The contract's configuration. Parsed once at the entry point; nothing reads process.env after. */
export const EnvSchema = z.object({
  PORT: port.default(8787),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  DATA_DIR: z.string().min(1).default("./.data"),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  INGEST_SECRET: z
    .string()
    // the whsec_ prefix is optional, as in the Standard Webhooks libraries; 2+ characters decode to a non-empty key
    .regex(/^(?:whsec_)?[A-Za-z0-9+/]{2,}={0,2}$/, "must be base64, optionally prefixed with whsec_")
    .optional(),
  SECRET_KEY: secretKey.optional(),
  PUBLIC_URL: httpUrl.transform((s) => s.replace(/\/+$/, "")).optional(),
  EMAIL_FROM: mailbox.default("clausewatch <alerts@localhost>"),
  RESEND_API_KEY: z.string().min(1).optional(),
  RESEND_BASE_URL: httpUrl.optional(),
  RESEND_WEBHOOK_SECRET: z.string().min(1).optional(),
  RESEND_RATE_PER_SECOND: positive.default(5),
  SLACK_API_URL: httpUrl.optional(),
  SLACK_CLIENT_ID: z.string().min(1).optional(),
  SLACK_CLIENT_SECRET: z.string().min(1).optional(),
  ALLOW_PRIVATE_WEBHOOK_TARGETS: bool.default(false),
  RATE_LIMIT_PER_MINUTE: perMinute.default(600),
  PUBLIC_RATE_LIMIT_PER_MINUTE: perMinute.default(60),
  TRUST_PROXY: bool.default(false),
  REQUEST_TIMEOUT_MS: positive.default(15_000),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/, "must be a redis:// or rediss:// URL")
    .optional(),
  /** unset: os.availableParallelism(), decided by the entry point (src/index.ts) */
  RENDER_THREADS: threads.optional(),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"], { message: "must be debug, info, warn or error" }).default("info"),
});

export type Env = z.infer<typeof EnvSchema>;

/** Empty strings count as unset, so `FOO= npm start` behaves like no FOO. */
export function parseEnv(source: Record<string, string | undefined>): { ok: true; env: Env } | { ok: false; problems: string[] } {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = EnvSchema.safeParse(cleaned);
  if (result.success) return { ok: true, env: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((i) => `${i.path.join(".") || "environment"}: ${i.message}`),
  };
}

/**
 * The app's configuration from the parsed environment and the secrets the entry resolved (Node:
 * DATA_DIR or the environment; Worker: its secrets): one mapping for `npm start` and the Worker.
 */
export function appConfig(
  env: Env,
  given: { adminToken: string; ingestSecret: string; publicUrl: string; trustProxy: boolean },
): AppConfig {
  return {
    ...given,
    allowPrivateWebhookTargets: env.ALLOW_PRIVATE_WEBHOOK_TARGETS,
    resendWebhookSecret: env.RESEND_WEBHOOK_SECRET,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    publicRateLimitPerMinute: env.PUBLIC_RATE_LIMIT_PER_MINUTE,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    metricsToken: env.METRICS_TOKEN,
    slack:
      env.SLACK_CLIENT_ID && env.SLACK_CLIENT_SECRET
        ? { clientId: env.SLACK_CLIENT_ID, clientSecret: env.SLACK_CLIENT_SECRET, apiUrl: env.SLACK_API_URL }
        : undefined,
  };
}
