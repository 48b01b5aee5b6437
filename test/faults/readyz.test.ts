import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/client";
import { createTestContext, createUser, type TestContext, type TestUser } from "../helpers/app";
import { type Cluster, createCluster } from "./cluster";

describe("/readyz follows the database (served over HTTP, no app restart)", () => {
  let cluster: Cluster;
  let ctx: TestContext;
  let user: TestUser;
  let server: ReturnType<typeof serve>;
  let base: string;

  beforeAll(async () => {
    cluster = await createCluster();
    ctx = await createTestContext({ database: await openDatabase({ url: cluster.url(), max: 4 }) });
    user = await createUser(ctx);
    server = serve({ fetch: ctx.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((r) => server.once("listening", () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await ctx?.close();
    await cluster?.destroy();
  });

  const readyz = () => fetch(`${base}/readyz`).then(async (r) => ({ status: r.status, body: await r.json() }));
  const me = () =>
    fetch(`${base}/v1/me`, { headers: { authorization: `Bearer ${user.key}` } }).then(async (r) => ({
      status: r.status,
      code: ((await r.json()) as { error?: { code: string } }).error?.code,
    }));

  /** Polls until `f` answers `status`; returns how long that took, or null past `ms`. */
  async function waitFor(f: () => Promise<{ status: number }>, status: number, ms: number): Promise<number | null> {
    const start = Date.now();
    while (Date.now() - start < ms) {
      if ((await f()).status === status) return Date.now() - start;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  }

  it("200, then 503 while the cluster is stopped (API calls 503 unavailable too), then 200 again", async () => {
    expect(await readyz()).toEqual({ status: 200, body: { status: "ok", database: "postgres" } });
    expect((await me()).status).toBe(200);

    for (const mode of ["fast", "immediate"] as const) {
      await cluster.stop(mode);
      const down = await readyz();
      expect(down.status).toBe(503);
      expect(down.body.error.code).toBe("unavailable");
      expect(await me()).toEqual({ status: 503, code: "unavailable" });

      await cluster.start();
      // the pool's reconnect backoff is capped at 2 s
      const took = await waitFor(readyz, 200, 10_000);
      expect(took, `${mode}: /readyz back to 200`).not.toBeNull();
      expect(await me()).toEqual({ status: 200, code: undefined });
    }
  });
});
