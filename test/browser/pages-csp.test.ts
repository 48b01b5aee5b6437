import { eq } from "drizzle-orm";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { channels, users } from "../../src/db/schema";
import { signToken } from "../../src/lib/tokens";
import { call, createUser, type TestContext, type TestUser } from "../helpers/app";
import { launchChromium, serveTestApp } from "../helpers/browser";

/**
 * The short pages (unsubscribe, email confirmation) under the Content-Security-Policy of the
 * common layout (a per-response nonce), in a real browser: their styles apply, their forms post,
 * and Chromium reports no violation. A policy too strict for a page fails here, not in a user's
 * browser.
 */

let ctx: TestContext;
let closeServer: (() => Promise<void>) | undefined;
let origin: string;
let browser: BrowserContext;
let page: Page;
let violations: string[];
let u: TestUser;

beforeAll(async () => {
  ({ ctx, origin, close: closeServer } = await serveTestApp());
  u = await createUser(ctx, { tier: "watcher" });
  browser = await launchChromium();
  page = await browser.newPage();
  page.setDefaultTimeout(8_000);
  // Chromium reports every refused style, script, form post or frame on the console
  page.on("console", (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await closeServer?.();
});

beforeEach(() => {
  violations = [];
});

const inAnHour = () => Math.floor(ctx.clock.now().getTime() / 1000) + 3600;
const style = (selector: string, property: string) =>
  page
    .locator(selector)
    .first()
    .evaluate((el, p) => getComputedStyle(el).getPropertyValue(p), property);

describe("short pages under their Content-Security-Policy, in Chromium", () => {
  it("unsubscribe: the inline style applies and the button posts, with no violation", async () => {
    const token = await signToken(ctx.deps.keys, { p: "unsubscribe", s: u.id, e: inAnHour(), x: "alerts" });
    const res = await page.goto(`${origin}/unsubscribe/${encodeURIComponent(token)}`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-security-policy"]).toContain("default-src 'none'");
    expect(res?.headers()["referrer-policy"]).toBe("no-referrer");
    // from the layout's <style nonce>: 16px text in a 36rem column, a red (danger) button
    expect(await style("body", "font-size")).toBe("16px");
    expect(await style("main", "max-width")).toBe("576px");
    expect(await style("button", "background-color")).toBe("rgb(164, 14, 38)");

    await page.getByRole("button", { name: "Unsubscribe" }).click();
    await page.getByRole("heading", { name: "Unsubscribed" }).waitFor();
    const [row] = await ctx.database.db.select().from(users).where(eq(users.id, u.id));
    expect(row.alertsOff).toBe(true);
    expect(violations).toEqual([]);
  });

  it("the expired-link page is styled too", async () => {
    const res = await page.goto(`${origin}/unsubscribe/damaged`);
    expect(res?.status()).toBe(400);
    expect(await style("main", "max-width")).toBe("576px");
    expect(violations).toEqual([]);
  });

  it("email confirmation: the layout's nonce style applies and the button confirms", async () => {
    const address = `csp-${Date.now()}@example.com`;
    const created = await call(ctx, "POST", "/v1/channels", { token: u.key, body: { type: "email", address } });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    const token = await signToken(ctx.deps.keys, { p: "verify-email", s: id, e: inAnHour() });
    const res = await page.goto(`${origin}/verify-email/${encodeURIComponent(token)}`);
    expect(res?.status()).toBe(200);
    expect(await style("main", "max-width")).toBe("576px"); // 36rem, from the layout's <style nonce>
    await page.getByRole("button", { name: "Confirm this address" }).click();
    await page.getByRole("heading", { name: "Address confirmed" }).waitFor();
    const [ch] = await ctx.database.db.select().from(channels).where(eq(channels.id, id));
    expect(ch.verifiedAt).not.toBeNull();
    expect(violations).toEqual([]);
  });

  it("control: a policy violation is seen (an inline script the page did not bring)", async () => {
    await page.goto(`${origin}/unsubscribe/damaged`);
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "document.title = 'ran'";
      document.head.append(s);
    });
    await expect.poll(() => violations.length).toBeGreaterThan(0);
    expect(await page.title()).not.toBe("ran");
  });
});
