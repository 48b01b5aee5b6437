import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bodyOf, createTestContext, createUser, postEvent, type TestContext, uniq } from "../helpers/app";
import { freshEvent } from "../helpers/events";

/** /v1/catalog/platforms: the platforms the pipeline has sent, by slug, paged. */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe("catalog", () => {
  it("GET /v1/catalog/platforms lists platforms by slug with their documents", async () => {
    const u = await createUser(ctx);
    const platforms = api(ctx, u.key).v1.catalog.platforms;
    const base = uniq("cat");
    const a = freshEvent("01-anthropic-ai-training", { platformSlug: `${base}-a` });
    const b = freshEvent("05-anthropic-arbitration", { platformSlug: `${base}-a` });
    const c = freshEvent("06-openai-new-document", { platformSlug: `${base}-b` });
    b.document = { ...b.document, slug: "aaa-first-document", title: "First" };
    for (const e of [a, b, c]) expect((await postEvent(ctx, e)).status).toBe(202);

    const first = await bodyOf(await platforms.$get({ query: { limit: "1", cursor: base } }), 200);
    expect(first.items).toEqual([
      {
        slug: `${base}-a`,
        name: "Anthropic",
        documents: [
          { slug: "aaa-first-document", title: "First", url: b.document.url },
          { slug: a.document.slug, title: a.document.title, url: a.document.url },
        ],
      },
    ]);
    expect(first.next_cursor).not.toBeNull();
    const second = await bodyOf(await platforms.$get({ query: { limit: "1", cursor: first.next_cursor ?? "" } }), 200);
    expect(second.items[0]).toMatchObject({ slug: `${base}-b`, name: "OpenAI" });
    // "\u0000" is what the unencoded "%00" in a URL decodes to; "%00" itself is refused too
    for (const bad of ["\u0000", "%00", "Not A Slug", "x".repeat(501)]) {
      expect((await platforms.$get({ query: { cursor: bad } })).status, JSON.stringify(bad)).toBe(400);
    }
  });
});
