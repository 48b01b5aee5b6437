import { describe, expect, it } from "vitest";
import { env, request } from "./helpers";

describe("the Worker's fetch handler", () => {
  it("answers /healthz", async () => {
    const res = await request("GET", "/healthz");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "ok" });
  });

  it("reaches PostgreSQL through the Hyperdrive binding (/readyz)", async () => {
    const res = await request("GET", "/readyz");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "ok", database: "postgres" });
    expect(env.HYPERDRIVE?.connectionString).toMatch(/^postgres(ql)?:\/\//);
  });

  it("serves the OpenAPI document and the docs page", async () => {
    const doc = await request("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toBe("3.1.0");
    expect((await request("GET", "/docs")).status).toBe(200);
  });

  it("/metrics exposes the outbox gauges read from the database (no prom-client in the Worker)", async () => {
    const ctx = await request("GET", "/metrics");
    expect(ctx.status).toBe(200);
    const text = String(ctx.json.text);
    expect(text).toMatch(/^clausewatch_notifications\{status="pending"\} \d+$/m);
    expect(text).toMatch(/^clausewatch_outbox_oldest_due_age_seconds \d/m);
    expect(text).not.toContain("process_cpu");
  });

  it("an unsigned event is refused with 401", async () => {
    const res = await request("POST", "/v1/events", { body: { id: "evt_x" } });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: { code: "unauthorized" } });
  });
});

describe("static assets", () => {
  it("/docs/scalar.js is served from the Worker's assets (a Worker cannot read node_modules)", async () => {
    // Cloudflare answers a path that names an asset before the Worker runs (wrangler dev does the
    // same); the pool calls the Worker directly, so the asset is checked through its binding.
    const res = await env.ASSETS.fetch("http://clausewatch.test/docs/scalar.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    expect((await res.text()).length).toBeGreaterThan(1_000_000);
  });
});
