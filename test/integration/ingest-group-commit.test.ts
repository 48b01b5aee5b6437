// Group commit of accepted events (ingest/ingest.ts): concurrent accepts share INSERTs and
// commits, each post still learns whether its own row was new, and a refused row fails alone.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows, textArray } from "../../src/db/types";
import { acceptEvent } from "../../src/ingest/ingest";
import type { ChangeEvent } from "../../src/lib/event-schema";
import { createTestContext, type TestContext } from "../helpers/app";
import { freshEvent } from "../helpers/events";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

const accept = (e: ChangeEvent) => acceptEvent(ctx.database.db, e, JSON.stringify(e), ctx.clock.now(), { groupCommit: true });

describe("group commit of accepted events", () => {
  it("40 concurrent accepts (10 repeating an id) share commits; each id is new exactly once", async () => {
    const distinct = Array.from({ length: 30 }, () => freshEvent("01-anthropic-ai-training") as ChangeEvent);
    const posts = [...distinct, ...distinct.slice(0, 10)];
    const results = await Promise.all(posts.map(accept));

    const newIds = posts.filter((_, i) => !results[i].duplicate).map((e) => e.id);
    expect(newIds.sort()).toEqual(distinct.map((e) => e.id).sort());
    const ids = distinct.map((e) => e.id);
    const [stored] = await rows<{ n: number; commits: number }>(
      ctx.database.db,
      sql`select count(*)::int as n, count(distinct xmin::text)::int as commits from events where id = any(${textArray(ids)})`,
    );
    expect(stored.n).toBe(30);
    // the first few go alone, the rest wait for them and go together
    expect(stored.commits).toBeLessThanOrEqual(8);
  });

  it("a row the database cannot take fails only its own post", async () => {
    const good = Array.from({ length: 9 }, () => freshEvent("01-anthropic-ai-training") as ChangeEvent);
    const bad = { ...(freshEvent("01-anthropic-ai-training") as ChangeEvent), occurred_at: "not a date" };
    const posts = [...good.slice(0, 6), bad, ...good.slice(6)];
    const results = await Promise.allSettled(posts.map(accept));

    expect(results.map((r) => r.status)).toEqual(posts.map((p) => (p === bad ? "rejected" : "fulfilled")));
    const [stored] = await rows<{ n: number }>(
      ctx.database.db,
      sql`select count(*)::int as n from events where id = any(${textArray([...good, bad].map((e) => e.id))})`,
    );
    expect(stored.n).toBe(9);
  });
});
