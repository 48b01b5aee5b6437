import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/postgres-js";
import { migrate as migratePg } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import * as schema from "./schema";
import type { Database, Db } from "./types";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../drizzle", import.meta.url));

export interface OpenOptions {
  /** PostgreSQL URL; unset → embedded PGlite */
  url?: string;
  /** PGlite data directory; unset → in memory */
  dataDir?: string;
  /** postgres.js pool size */
  max?: number;
  migrate?: boolean;
}

/**
 * Opens PostgreSQL (postgres.js) or embedded PGlite behind the same drizzle API and applies the
 * committed migrations. PGlite is a single connection: its transactions run one at a time.
 */
export async function openDatabase(opts: OpenOptions = {}): Promise<Database & { client: postgres.Sql | PGlite }> {
  if (opts.url) {
    const client = postgres(opts.url, { max: opts.max ?? 10, onnotice: () => {} });
    const db = drizzlePg({ client, schema }) as unknown as Db;
    if (opts.migrate !== false) await migratePg(drizzlePg({ client, schema }), { migrationsFolder: MIGRATIONS_FOLDER });
    return {
      db,
      kind: "postgres",
      client,
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      close: () => client.end({ timeout: 5 }),
      listen: async (channel, onNotify) => {
        const sub = await client.listen(channel, () => onNotify());
        return () => sub.unlisten();
      },
    };
  }
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const client = opts.dataDir ? new PGlite(opts.dataDir) : new PGlite();
  const pdb = drizzlePglite({ client, schema });
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
