import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchChromium, serveTestApp } from "../helpers/browser";

/**
 * The API reference in Chromium on a phone-sized screen, under the policy /docs sends: Scalar
 * renders the document from the service's own copy of its script, with no policy violation, no
 * request leaving this origin, and no page wider than the screen.
 */
const PHONE = { width: 390, height: 844 };

let closeServer: (() => Promise<void>) | undefined;
let origin: string;
let browser: BrowserContext;
let page: Page;
let violations: string[];
let offsite: string[];

beforeAll(async () => {
  ({ origin, close: closeServer } = await serveTestApp());
  browser = await launchChromium({
    viewport: PHONE,
  });
  page = await browser.newPage();
  page.setDefaultTimeout(20_000);
  page.on("console", (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
  });
  page.on("request", (req) => {
    if (!req.url().startsWith(`${origin}/`) && !/^(data|blob):/.test(req.url())) offsite.push(req.url());
  });
});

afterAll(async () => {
  await browser?.close();
  await closeServer?.();
});

beforeEach(() => {
  violations = [];
  offsite = [];
});

/** How far the page is wider than the screen (0 when it fits). */
const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

describe("/docs in Chromium at 390 px", () => {
  it("renders the reference with its own script: no violation, nothing fetched from elsewhere", async () => {
    const res = await page.goto(`${origin}/docs`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()["content-security-policy"]).toMatch(/script-src 'nonce-[A-Za-z0-9_-]+';/);
    await page.getByRole("heading", { name: "clausewatch" }).first().waitFor();
    await page.getByText("Alerts and digests when the terms that govern you change").first().waitFor();
    expect(await overflow()).toBe(0);
    expect(violations).toEqual([]);
    expect(offsite).toEqual([]);
  });

  it.each([
    ["tag/ingest/POST/v1/events", "Post a change event"],
    ["tag/watchlist/POST/v1/watchlist", "Watch a platform, document or provision"],
    ["tag/channels/POST/v1/channels", "Add an email, Slack or webhook channel"],
    ["tag/operator/GET/v1/admin/outbox/stats", "The outbox now"],
  ])("#%s shows the operation and fits the screen", async (fragment, summary) => {
    await page.goto(`${origin}/docs#${fragment}`);
    await page.getByRole("heading", { name: summary }).first().waitFor();
    const path = `/${fragment.split("/").slice(3).join("/")}`;
    await page.getByText(path, { exact: true }).first().waitFor();
    expect(await overflow()).toBe(0);
    expect(violations).toEqual([]);
    expect(offsite).toEqual([]);
  });

  it("the event example is in the request sample", async () => {
    await page.goto(`${origin}/docs#tag/ingest/POST/v1/events`);
    await page.getByText("evt_2026_05_09_anthropic_claudeai_tos_training").first().waitFor();
    expect(violations).toEqual([]);
  });

  it("control: the policy refuses a script the page did not bring, and the listener sees it", async () => {
    await page.goto(`${origin}/docs`);
    await page.getByRole("heading", { name: "clausewatch" }).first().waitFor();
    await page.evaluate(() => {
      const s = document.createElement("script");
      s.textContent = "document.title = 'ran'";
      document.head.append(s);
    });
    await expect.poll(() => violations.length).toBeGreaterThan(0);
    expect(await page.title()).not.toBe("ran");
  });
});
