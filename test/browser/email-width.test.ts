import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderWithinBudget } from "../../src/delivery/render/email";
import type { OutboundMessage } from "../../src/delivery/types";
import { launchChromium } from "../helpers/browser";
import { fixtures } from "../helpers/events";
import { alertMessage, digestContent, outbound } from "../helpers/messages";

/**
 * Emails as a phone shows them: rendered by the production renderer, opened in Chromium at
 * 390 px, and no wider than the screen — long URLs and tokens wrap instead of widening the page.
 */
const PHONE = { width: 390, height: 844 };

let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium({
    viewport: PHONE,
  });
  page = await browser.newPage();
  // an email loads nothing: refuse any request, so the check never waits on the network
  await page.route("**/*", (route) => route.abort());
});

afterAll(async () => {
  await browser?.close();
});

async function widthOf(msg: OutboundMessage): Promise<number> {
  const { html } = await renderWithinBudget(msg);
  await page.setContent(html, { waitUntil: "domcontentloaded" });
  return page.evaluate(() => document.documentElement.scrollWidth);
}

const longUrl = `https://clausewatch.test/verify-email/${"eyJwIjoidmVyaWZ5LWVtYWlsIn0".repeat(8)}.c2lnbmF0dXJl`;

describe("emails fit a 390 px phone", () => {
  it("the verification email, with a long address and link", async () => {
    const msg = outbound({
      kind: "notice",
      notice: "verify_email",
      address: `${"legal-and-compliance-team".repeat(3)}@example.com`,
      verify_url: longUrl,
      expires_at: "2026-05-22T09:00:00.000Z",
    });
    expect(await widthOf(msg)).toBeLessThanOrEqual(PHONE.width);
  });

  it("an alert whose URLs and summary hold long unbroken strings", async () => {
    const e = structuredClone(fixtures["01-anthropic-ai-training"]);
    e.document.url = `https://example.com/${"a".repeat(600)}`;
    e.evidence.archive_url = `https://web.archive.org/web/2026/${"b".repeat(600)}`;
    e.summary = `See ${"c".repeat(400)} for details.`;
    expect(await widthOf(alertMessage("professional", [e]))).toBeLessThanOrEqual(PHONE.width);
  });

  it("a weekly digest", async () => {
    expect(await widthOf(outbound(digestContent("professional")))).toBeLessThanOrEqual(PHONE.width);
  });
});
