import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/postgres-js";
import { migrate as migratePg } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { deadlineSocketFactory, type StatementObserver } from "./deadline-socket";
import * as schema from "./schema";
import type { Database, Db } from "./types";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../drizzle", import.meta.url));

/**
 * Key of the session-level advisory lock every replica takes before migrating: "clausewa" in
 * ASCII (0x636c617573657761). Fixed across versions so old and new replicas of a rolling deploy
 * queue on the same lock; text-derived so it is unlikely to meet another application's key in a
 * shared database. A string: the value does not fit a JS number exactly.
 */
export const MIGRATION_LOCK_KEY = "7164208264314713953";

/** The PostgreSQL pool's timeouts (milliseconds); see `openDatabase` for why each exists. */
const POOL_DEFAULTS = {
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  maxLifetimeMs: 30 * 60_000,
  statementTimeoutMs: 30_000,
  lockTimeoutMs: 10_000,
  idleInTransactionTimeoutMs: 60_000,
  pingTimeoutMs: 5_000,
} as const;

export interface OpenOptions {
  /** PostgreSQL URL; unset → embedded PGlite */
  url?: string;
  /** PGlite data directory; unset → in memory */
  dataDir?: string;
  /**
   * In-memory PGlite only: start from this dump of a data directory (`PGlite.dumpDataDir`)
   * instead of running initdb — the test suite migrates one database and starts each test file
   * from its dump (initdb and the migrations cost ~5 s per instance; the load, ~1.5 s).
   */
  pgliteDump?: Blob;
  /** postgres.js pool size */
  max?: number;
  migrate?: boolean;
  /** giving up on a connection attempt (postgres.js `connect_timeout`) */
  connectTimeoutMs?: number;
  /** closing a connection unused this long (postgres.js `idle_timeout`) */
  idleTimeoutMs?: number;
  /** replacing a connection this old (postgres.js `max_lifetime`) */
  maxLifetimeMs?: number;
  /** server-side `statement_timeout`; 0 = none (bench seeding runs statements longer than the default) */
  statementTimeoutMs?: number;
  /** server-side `lock_timeout`; 0 = none */
  lockTimeoutMs?: number;
  /** server-side `idle_in_transaction_session_timeout`; 0 = none */
  idleInTransactionTimeoutMs?: number;
  /** how long `ping` (/readyz) waits for the server's answer */
  pingTimeoutMs?: number;
  /**
   * how long a connection that owes an answer may stay silent before it is dropped as half-open
   * (db/deadline-socket.ts); default `statementTimeoutMs` + 5 s, none when that is 0; 0 = none
   */
  answerDeadlineMs?: number;
  /** told each statement's text and round-trip time (PostgreSQL; for the debug log) */
  onStatement?: StatementObserver;
}

/**
 * Delay (seconds) before a closed connection tries again, from the pool's count of failed
 * attempts in a row: doubling from 50 ms to a 2 s ceiling, jittered so replicas do not reconnect
 * in step. postgres.js's own ceiling is 20 s, which would keep the pool (and /readyz) down for up
 * to 20 s after a long outage ends.
 */
const reconnectBackoff = (failures: number) => Math.min(0.05 * 2 ** failures, 2) * (0.5 + Math.random() / 2);

/**
 * Opens PostgreSQL (postgres.js) or embedded PGlite behind the same drizzle API and applies the
 * committed migrations. PGlite is a single connection: its transactions run one at a time.
 *
 * On PostgreSQL the pool is built to outlive the server going away: a connection attempt gives up
 * after `connectTimeoutMs` (so a request fails fast instead of queueing behind a dead host);
 * idle connections close after `idleTimeoutMs` and every connection is replaced after
 * `maxLifetimeMs` (so none survives a failover or a proxy's silent drop for long); closed
 * connections reconnect by themselves on the next query. Server-side, `statement_timeout` and
 * `lock_timeout` bound how long a stuck statement or lock wait can hold a request, a lease or a
 * pool slot, and `idle_in_transaction_session_timeout` ends a session whose holder stopped
 * talking mid-transaction, releasing its row locks. They travel as startup parameters, so a
 * `?statement_timeout=…` in the URL still wins.
 */
export async function openDatabase(opts: OpenOptions = {}): Promise<Database & { client: postgres.Sql | PGlite }> {
  if (opts.url) {
    const o = { ...POOL_DEFAULTS, ...definedOnly(opts) };
    const deadlineMs = opts.answerDeadlineMs ?? (o.statementTimeoutMs > 0 ? o.statementTimeoutMs + 5_000 : 0);
    const client = postgres(opts.url, {
      ...(deadlineMs > 0 && !usesTls(opts.url) ? { socket: deadlineSocketFactory(deadlineMs, opts.onStatement) } : {}),
      max: opts.max ?? 10,
      onnotice: () => {},
      connect_timeout: o.connectTimeoutMs / 1000,
      idle_timeout: o.idleTimeoutMs / 1000,
      max_lifetime: o.maxLifetimeMs / 1000,
      backoff: reconnectBackoff,
      connection: serverTimeouts(o.statementTimeoutMs, o.lockTimeoutMs, o.idleInTransactionTimeoutMs),
    });
    const db = drizzlePg({ client, schema }) as unknown as Db;
    if (opts.migrate !== false) {
      try {
        await migrateUnderLock(opts.url, o.connectTimeoutMs, o.idleInTransactionTimeoutMs);
      } catch (err) {
        await client.end({ timeout: 1 });
        throw err;
      }
    }
    return {
      db,
      kind: "postgres",
      client,
      ping: () => withTimeout(db.execute(sql`select 1`), o.pingTimeoutMs),
      close: () => client.end({ timeout: 5 }),
      // postgres.js LISTENs on a connection of its own and, when that connection closes, LISTENs
      // again (with the pool's backoff) until the server answers: no re-subscription needed here.
      listen: async (channel, onNotify) => {
        const sub = await client.listen(channel, () => onNotify());
        return () => sub.unlisten();
      },
    };
  }
  const client = opts.dataDir
    ? await openPgliteDir(opts.dataDir)
    : await PGlite.create(opts.pgliteDump ? { loadDataDir: opts.pgliteDump } : {});
  const pdb = drizzlePglite({ client, schema });
  // PGlite is one process's database: nothing else can migrate it at the same time, so no lock.
  if (opts.migrate !== false) await migratePglite(pdb, { migrationsFolder: MIGRATIONS_FOLDER });
  const db = pdb as unknown as Db;
  return {
    db,
    kind: "pglite",
    client,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
    listen: async () => async () => {},
  };
}

/**
 * PGlite's settings for a data directory. PostgreSQL's default 128 MB of shared buffers lives in
 * PGlite's WebAssembly memory, which grows and never shrinks: under load the buffers fill and stay
 * resident. Reads that miss them go to the operating system's page cache through the file
 * system, so a small pool keeps RSS down at the cost of more reads through it.
 */
const PGLITE_CONF = ["shared_buffers = 16MB"];

/**
 * Opens PGlite on a data directory. A new directory is first created by a short-lived child
 * process: initdb runs inside PGlite's WebAssembly memory and leaves it several hundred megabytes
 * larger (measured: 790 MB resident after initdb against 310 MB for a re-opened directory), memory
 * one instance never gives back. A closed instance in this process gave most of it back but not
 * all (bench:memory: 377 MB idle after creating the directory, against ~250 MB re-opened); a
 * process that exits gives back everything.
 */
async function openPgliteDir(dataDir: string): Promise<PGlite> {
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    mkdirSync(dataDir, { recursive: true });
    await initPgliteDir(dataDir);
  }
  return PGlite.create(dataDir, { postgresqlconf: PGLITE_CONF });
}

const execFileAsync = promisify(execFile);

/** Runs PGlite's initdb on `dataDir` in a child Node process (the PGlite this process loads, by path). */
async function initPgliteDir(dataDir: string): Promise<void> {
  const pglite = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  const script = `const { PGlite } = require(process.argv[1]);
    PGlite.create(process.argv[2], { postgresqlconf: JSON.parse(process.argv[3]) }).then((p) => p.close());`;
  try {
    await execFileAsync(process.execPath, ["-e", script, pglite, dataDir, JSON.stringify(PGLITE_CONF)], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`could not create the PGlite data directory ${dataDir}${stderr ? `: ${stderr}` : ""}`, { cause: err });
  }
}

/**
 * drizzle's migrator takes no lock: replicas started together on an empty database race on
 * `CREATE TABLE` and `CREATE TYPE` and all but one crash. Here each takes a session-level
 * advisory lock first, so they migrate one after the other and the later ones find nothing left
 * to do. The lock and the migrations share one connection of their own (`max: 1`): a session
 * lock lives exactly as long as the connection holding it, and the caller's pool may be a single
 * connection that could not be lent to both. No statement or lock timeout there: a replica waits
 * for another's migration however long it takes (if that replica dies, its session ends and the
 * lock with it), and a migration may legitimately run long (an index on a big table).
 */
async function migrateUnderLock(url: string, connectTimeoutMs: number, idleInTransactionTimeoutMs: number): Promise<void> {
  const conn = postgres(url, {
    max: 1,
    onnotice: () => {},
    connect_timeout: connectTimeoutMs / 1000,
    connection: serverTimeouts(0, 0, idleInTransactionTimeoutMs),
  });
  try {
    await conn`select pg_advisory_lock(${MIGRATION_LOCK_KEY}::bigint)`;
    try {
      await migratePg(drizzlePg({ client: conn, schema }), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      // An unlock can only fail when the session is already gone, and the lock went with it;
      // rethrowing here would hide the migration's own error.
      await conn`select pg_advisory_unlock(${MIGRATION_LOCK_KEY}::bigint)`.catch(() => {});
    }
  } finally {
    await conn.end({ timeout: 5 });
  }
}

/**
 * Startup parameters for the server-side timeouts. Sent as strings: postgres.js leaves out
 * parameters whose value is falsy, and a 0 ("none") must still override a role's default.
 */
function serverTimeouts(statementMs: number, lockMs: number, idleInTransactionMs: number): Record<string, string> {
  return {
    statement_timeout: String(statementMs),
    lock_timeout: String(lockMs),
    idle_in_transaction_session_timeout: String(idleInTransactionMs),
  };
}

/** TLS connections keep postgres.js's own socket: the deadline socket reads plain bytes only. */
function usesTls(url: string): boolean {
  const mode = new URL(url).searchParams.get("sslmode") ?? new URL(url).searchParams.get("ssl");
  return mode !== null && mode !== "disable" && mode !== "false";
}

/** The options the caller set, so that an explicit `undefined` keeps the default. */
function definedOnly(opts: OpenOptions): Partial<typeof POOL_DEFAULTS> {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
}

/** Rejects with an ETIMEDOUT error (classified as unavailable) when `p` takes longer than `ms`. */
async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`database did not answer within ${ms} ms`), { code: "ETIMEDOUT" })),
      ms,
    );
  });
  try {
    await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
