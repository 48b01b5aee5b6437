import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bodyOf, call, createTestContext, createUser, type TestContext } from "../helpers/app";

/** What every route shares: health and readiness, unknown routes, the error shape, request bodies. */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

type ErrorBody = { error: { code: string; message: string; request_id: string } };

describe("service routes and errors", () => {
  it("/healthz and /readyz", async () => {
    const client = api(ctx);
    const health = await client.healthz.$get();
    expect({ status: health.status, json: await health.json() }).toMatchObject({ status: 200, json: { status: "ok" } });
    const ready = await client.readyz.$get();
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ok", database: ctx.database.kind });
  });

  it("an unknown route is a 404 in the error shape, with the request id", async () => {
    // call(): these routes do not exist, so the typed client has no way to ask for them
    for (const [method, path] of [
      ["GET", "/nope"],
      ["GET", "/v1/unknown"],
      ["PUT", "/v1/watchlist"],
      ["POST", "/v1/me/something"],
    ]) {
      const res = await call(ctx, method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json).toEqual({ error: { code: "not_found", message: expect.any(String), request_id: expect.any(String) } });
      expect((res.json as ErrorBody).error.request_id).toBe(res.headers.get("x-request-id"));
    }
  });

  it("every error carries the request id of its response", async () => {
    const u = await createUser(ctx);
    const client = api(ctx, u.key);
    const answer = async <
      R extends { status: number; headers: Headers; json(): Promise<unknown>; clone(): Response },
      S extends R["status"],
    >(
      res: R,
      status: S,
    ) => ({ status: res.status, headers: res.headers, json: await bodyOf(res, status) });
    // call(): a body without the platform, and one that is not JSON, are what the types refuse
    const untyped = async (body: unknown) => {
      const res = await call(ctx, "POST", "/v1/watchlist", { token: u.key, body });
      return { status: res.status, headers: res.headers, json: res.json as ErrorBody };
    };
    const errors = [
      await untyped({}), // 400
      await untyped("{not json"), // 400, malformed
      await answer(await api(ctx).v1.me.$get(), 401),
      await answer(await client.v1.watchlist.$post({ json: { platform: "x", document: "y" } }), 403),
      await answer(await client.v1.watchlist[":id"].$get({ param: { id: "wat_nope" } }), 404),
      await answer(await api(ctx, ctx.adminToken).v1.admin.users.$post({ json: { email: u.email } }), 409),
    ];
    expect(errors.map((e) => e.status)).toEqual([400, 400, 401, 403, 404, 409]);
    const ids = new Set<string>();
    for (const e of errors) {
      expect(Object.keys(e.json)).toEqual(["error"]);
      expect(e.json.error.request_id).toBe(e.headers.get("x-request-id"));
      ids.add(e.json.error.request_id);
    }
    expect(ids.size).toBe(errors.length);
  });

  it("a body that is not JSON is a 400, not a 500", async () => {
    const u = await createUser(ctx, { tier: "professional" });
    // app.request: raw bodies and content types, which neither the typed client nor call() sends
    const send = (body: string, contentType?: string) =>
      ctx.app.request("/v1/watchlist", {
        method: "POST",
        headers: { authorization: `Bearer ${u.key}`, ...(contentType ? { "content-type": contentType } : {}) },
        body,
      });
    for (const [body, type] of [
      ["{not json", "application/json"],
      ["", "application/json"],
      ['{"platform": "x"', "application/json"],
      ["platform=x", "application/x-www-form-urlencoded"],
      ['{"platform": "x"}', "text/plain"],
      ['{"platform": "x"}', undefined],
    ] as [string, string | undefined][]) {
      const res = await send(body, type);
      expect(res.status, `${type}: ${body}`).toBe(400);
      const json = (await res.json()) as ErrorBody;
      expect(json.error.code).toBe("invalid_request");
    }
    expect((await bodyOf(await api(ctx, u.key).v1.watchlist.$get({ query: {} }), 200)).items.length).toBe(0);
  });
});
