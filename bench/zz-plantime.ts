import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { openDatabase } from "../src/db/client";
import type { Db } from "../src/db/types";
import { runDigestPlanner } from "../src/digest/planner";

const T = new Map<string, { ms: number; n: number }>();
const dialect = new PgDialect();
function wrap(db: Db): Db {
  return new Proxy(db, {
    get(target, prop, recv) {
      if (prop === "execute")
        return async (q: SQL) => {
          const k = dialect.sqlToQuery(q).sql.replace(/\s+/g, " ").slice(0, 60);
          const t = performance.now();
          const r = await target.execute(q);
          const e = T.get(k) ?? { ms: 0, n: 0 };
          e.ms += performance.now() - t;
          e.n++;
          T.set(k, e);
          return r;
        };
      if (prop === "transaction")
        return (fn: (tx: Db) => Promise<unknown>) => target.transaction((tx) => fn(wrap(tx as unknown as Db)));
      return Reflect.get(target, prop, recv);
    },
  });
}
const database = await openDatabase({ url: "postgres://postgres@127.0.0.1:5432/clausewatch_bench2", max: 4, migrate: false });
await database.db.execute(sql`truncate digests cascade`);
await database.db.execute(sql`update digest_items set digest_id = null where digest_id is not null`);
await database.db.execute(
  sql`update users set next_digest_at = now() - interval '1 minute', digest_period_start = now() - interval '7 days'`,
);
await database.db.execute(sql`vacuum analyze`);
const now = new Date();
const t = performance.now();
const cpu0 = process.cpuUsage();
const r = await runDigestPlanner({ database: { ...database, db: wrap(database.db) }, now, queueAt: now });
const c = process.cpuUsage(cpu0);
console.log(r, Math.round(performance.now() - t), "ms; js cpu", Math.round((c.user + c.system) / 1000), "ms");
for (const [k, v] of [...T].sort((a, b) => b[1].ms - a[1].ms)) console.log(Math.round(v.ms).toString().padStart(7), v.n, k);
await database.close();
