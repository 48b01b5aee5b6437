import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "../db/schema";
import type { Database, Db } from "../db/types";

/**
 * PostgreSQL for one request or one batch, through Hyperdrive: a postgres.js client of its own
 * (a socket of one request cannot serve another in workerd), pooled by Hyperdrive in transaction
 * mode. So there is no LISTEN/NOTIFY (`listen` does nothing: Queues wake the consumers) and only
 * transaction-scoped advisory locks, which is all the fan-out takes. Never migrates: `npm run
 * deploy` and `npm run dev:worker` migrate from Node first. `close` does not end the client —
 * awaiting `end()` inside workerd leaves an unhandled "Stream was cancelled"; the runtime closes
 * the sockets when the request is over.
 *
 * @example const database = openWorkerDatabase(env.HYPERDRIVE.connectionString);
 */
export function openWorkerDatabase(url: string): Database {
  const client = postgres(url, {
    // Hyperdrive's guidance: a few connections per request, they are cheap to open through it
    max: 5,
    onnotice: () => {},
    connect_timeout: 5,
  });
  const db = drizzle({ client, schema }) as unknown as Db;
  return {
    db,
    kind: "postgres",
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {},
    listen: async () => async () => {},
  };
}
