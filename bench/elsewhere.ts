/**
 * "How other platforms handle this" benchmark: the elsewhere query (db/queries/elsewhere.ts) at
 * 100,000 stored events, against a plain indexed lookup in the same process (loading as many
 * events by primary key, what compose does for every batch anyway). `event_categories` is filled
 * the way the fan-out worker fills it (one INSERT … SELECT per batch of events).
 *
 *   npm run bench:elsewhere                         # in-memory PGlite, 100,000 events
 *   npm run bench:elsewhere -- --db postgres        # BENCH_DATABASE_URL or …/clausewatch_bench (schema rebuilt)
 *   npm run bench:elsewhere -- --events 20000 --reps 20 --explain
 *
 * The events: 325 platforms; 40 categories drawn with a steep skew (the most common on ~45 % of
 * events, the rarest on ~1 %), plus one category that only the 5 oldest events carry — the case a
 * GIN index with a backwards scan of `received_at` read all 100,000 rows for.
 *
 * EXPLAIN ANALYZE, one key, PGlite, 100,000 events (the plan is the same on PostgreSQL 17):
 *   Nested Loop (actual rows=15)
 *     Join Filter: ((c.value -> 'categories') ? k.category)
 *     -> Nested Loop
 *          -> HashAggregate (Group Key: k.platform, k.category, k.as_of) -> Function Scan on jsonb_to_recordset k
 *          -> Limit (rows=15) -> Index Scan Backward using event_categories_category_received_at_event_id_pk
 *               Index Cond: ((category = k.category) AND (received_at <= k.as_of))
 *               Filter: (platform_slug <> k.platform)          Buffers: shared hit=5
 *        -> Memoize -> Index Scan using events_pkey on events x (loops=15)
 *     -> Function Scan on jsonb_array_elements c
 *   Execution Time: 1.08 ms (the rare category: 0.32 ms)
 */
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { type ElsewhereKey, elsewhereCandidates, elsewhereSql } from "../src/db/queries/elsewhere";
import { type Db, rows, textArray } from "../src/db/types";
import { DEFAULT_BENCH_URL, fmt, median, openBenchDatabase } from "./fanout-support";

const { values: args } = parseArgs({
  options: {
    db: { type: "string", default: "pglite" },
    events: { type: "string", default: "100000" },
    reps: { type: "string", default: "30" },
    explain: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log("usage: npm run bench:elsewhere -- [--db pglite|postgres] [--events N] [--reps N] [--explain]");
  process.exit(0);
}
const EVENTS = Number(args.events);
const REPS = Number(args.reps);
const kind = args.db;
if (kind !== "pglite" && kind !== "postgres") throw new Error("--db is pglite or postgres");
if (!(EVENTS >= 1000 && REPS >= 1)) throw new Error("--events ≥ 1000, --reps ≥ 1");

/** Events as ingest stores them, `n` at a time, the newest with the smallest g (received `g` minutes ago). */
function insertEvents(from: number, to: number, prefix: string) {
  return sql.raw(`insert into events (id, type, occurred_at, platform_slug, document_slug, severity, severity_rank, summary,
      categories, provision_slugs, payload, raw_body, received_at, fanned_out_at)
    select '${prefix}' || g, 'document.changed', ts, pl, 'doc-' || (g % 5),
      (array['low','medium','high','critical'])[1 + g % 4], 1 + g % 4, 'summary ' || g, cats, array['prov-' || (g % 50)],
      jsonb_build_object('id', '${prefix}' || g, 'type', 'document.changed',
        'platform', jsonb_build_object('slug', pl, 'name', initcap(replace(pl, '-', ' '))),
        'document', jsonb_build_object('slug', 'doc-' || (g % 5), 'title', 'Document ' || (g % 5), 'url', 'https://example.com/' || pl || '/' || (g % 5)),
        'severity', (array['low','medium','high','critical'])[1 + g % 4],
        'changes', jsonb_build_array(jsonb_build_object(
          'provision', jsonb_build_object('slug', 'prov-' || (g % 50), 'title', 'Provision ' || (g % 50)),
          'kind', 'modified', 'severity', (array['low','medium','high','critical'])[1 + (g / 7) % 4],
          'categories', to_jsonb(cats), 'summary', repeat('s', 300), 'after', repeat('a', 1500)))),
      '{}', ts, ts
    from (select g, now() - make_interval(mins => g) as ts,
            'platform-' || lpad((1 + (g * 7919) % 325)::text, 3, '0') as pl,
            case when g > ${EVENTS} - 5 then array['cat-rare']
              else array(select distinct 'cat-' || floor(40 * power(((hashint4(g * 10 + k) & 2147483647)::float / 2147483647), 3))::int
                         from generate_series(1, 1 + g % 3) k) end as cats
          from generate_series(${from}, ${to}) g) s`);
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function series(label: string, fn: () => Promise<unknown>, base: () => Promise<unknown>) {
  for (let i = 0; i < 3; i++) await Promise.all([fn(), base()].map((p) => p)); // warm-up
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < REPS; i++) {
    a.push(await time(fn));
    b.push(await time(base));
  }
  const ma = median(a);
  const mb = median(b);
  console.log(
    `${label.padEnd(44)} elsewhere ${ma.toFixed(2)} ms · baseline ${mb.toFixed(2)} ms · ratio ${(ma / mb).toFixed(1)}×`,
  );
}

/** The plain indexed lookup: as many events by primary key, with their payloads (compose's own load). */
const baseline = (db: Db, ids: string[]) => () => rows(db, sql`select id, payload from events where id = any(${textArray(ids)})`);

async function main() {
  const database = await openBenchDatabase(kind as "pglite" | "postgres", process.env.BENCH_DATABASE_URL ?? DEFAULT_BENCH_URL);
  const db = database.db;
  let t = performance.now();
  for (let from = 1; from <= EVENTS; from += 20_000)
    await db.execute(insertEvents(from, Math.min(EVENTS, from + 19_999), "evt-"));
  // as the fan-out worker writes them for its batches (ingest/fanout-worker.ts)
  await db.execute(sql`insert into event_categories (category, received_at, event_id, platform_slug)
      select distinct c, e.received_at, e.id, e.platform_slug from events e, unnest(e.categories) as c
      where e.id like 'evt-%' on conflict do nothing`);
  await db.execute(sql`analyze events`);
  await db.execute(sql`analyze event_categories`);
  const [{ n }] = await rows<{ n: number }>(db, sql`select count(*)::int as n from event_categories`);
  console.log(`${kind}: ${fmt(EVENTS)} events, ${fmt(n)} category rows, seeded in ${fmt(performance.now() - t)} ms`);

  const asOf = new Date().toISOString();
  const key = (category: string, platform = "platform-001"): ElsewhereKey => ({ platform, category, as_of: asOf });
  // An alert batch: one event, its categories (a common one and the rare one) for 100 notifications.
  const alertKeys = [key("cat-0"), key("cat-7"), key("cat-rare")];
  // A digest batch: 30 events of 30 platforms, two categories each, as of the run's instant.
  const digestKeys = Array.from({ length: 30 }, (_, i) => [
    key(`cat-${i % 40}`, `platform-${String(i + 1).padStart(3, "0")}`),
    key(`cat-${(i * 7) % 40}`, `platform-${String(i + 1).padStart(3, "0")}`),
  ]).flat();
  const ids = (k: number) => Array.from({ length: k }, (_, i) => `evt-${1 + i * 37}`);

  for (const [label, keys] of [
    ["alert batch (3 keys: common, mid, rare)", alertKeys],
    ["one key, the category only old events carry", [key("cat-rare")]],
    ["digest batch (60 keys)", digestKeys],
  ] as const) {
    const found = await elsewhereCandidates(db, keys);
    // baseline: the same number of events read by primary key
    const events = new Set(found.map((f) => f.event_id)).size;
    await series(`${label}, ${found.length} rows`, () => elsewhereCandidates(db, keys), baseline(db, ids(Math.max(1, events))));
  }

  if (args.explain) {
    const plan = await rows<Record<string, string>>(db, sql`explain analyze ${elsewhereSql([key("cat-0")])}`);
    console.log(plan.map((r) => Object.values(r)[0]).join("\n"));
  }
  t = performance.now();
  await database.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
