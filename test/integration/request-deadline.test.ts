import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createTestContext, createUser, type TestContext, type TestUser } from "../helpers/app";

let ctx: TestContext;
let user: TestUser;
beforeAll(async () => {
  ctx = await createTestContext({ config: { requestTimeoutMs: 300 } });
  user = await createUser(ctx);
});
afterAll(() => ctx.close());

/** Holds an exclusive lock on a table for `ms`: every request reading it waits behind it. */
function hold(table: "api_keys" | "users", ms: number): Promise<void> {
  return ctx.database.db.transaction(async (tx) => {
    await tx.execute(sql`lock table ${sql.identifier(table)} in access exclusive mode`);
    await new Promise((r) => setTimeout(r, ms));
  });
}

describe("request deadline (REQUEST_TIMEOUT_MS)", () => {
  it("answers 503 unavailable with Retry-After when the database does not answer in time", async () => {
    const held = hold("api_keys", 1_500);
    await new Promise((r) => setTimeout(r, 50));
    const t = Date.now();
    const res = await call(ctx, "GET", "/v1/me", { token: user.key });
    const ms = Date.now() - t;
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ error: { code: "unavailable" } });
    expect(res.headers.get("retry-after")).toBe("5");
    expect(ms).toBeLessThan(1_400);
    await held;
    // the database answers again: so does the same request
    expect((await call(ctx, "GET", "/v1/me", { token: user.key })).status).toBe(200);
  });

  it("leaves operator jobs without a deadline", async () => {
    // the digest planner reads users: it waits out the lock, past the deadline, and answers
    const held = hold("users", 600);
    await new Promise((r) => setTimeout(r, 50));
    const t = Date.now();
    const res = await call(ctx, "POST", "/v1/admin/jobs/digests", { token: ctx.adminToken, body: {} });
    await held;
    expect(res.status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(300);
  });
});
