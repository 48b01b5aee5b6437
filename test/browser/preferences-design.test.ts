import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channels, documents, platforms } from "../../src/db/schema";
import { signToken } from "../../src/lib/tokens";
import { type FakeSlack, startFakeSlack } from "../fakes/slack";
import { call, createUser, type TestContext, type TestUser, uniq } from "../helpers/app";
import { launchChromium, serveTestApp } from "../helpers/browser";
import { preferencesLink } from "../helpers/page";

/**
 * Every state of every HTML page, in Chromium at a phone's width (390 px) and a laptop's (1280 px):
 * each is saved as a full-page screenshot in test/browser/screenshots/ (overwritten each run, kept
 * in the repository so a reviewer sees the design), and none may scroll sideways. Messages must
 * land where the action was: the URL's fragment names the section, and the message is inside it
 * and on screen.
 */
const SHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));
const WIDTHS = [
  { width: 390, height: 844 },
  { width: 1280, height: 900 },
];
const SLACK_APP = { clientId: "111.222", clientSecret: "slack-client-secret" };

let ctx: TestContext;
let slack: FakeSlack;
let closeServer: (() => Promise<void>) | undefined;
let origin: string;
let browser: BrowserContext;
let page: Page;
const tag = uniq("ds").replace(/[^a-z0-9]+/g, "-");
const slugOf = (name: string) => `${name}-${tag}`;

beforeAll(async () => {
  slack = await startFakeSlack({
    oauth: {
      ...SLACK_APP,
      codes: {
        "code-1": {
          access_token: "xoxb-1111-2222-token1abcdef",
          team: { id: "T0TEAM", name: "Acme" },
          scope: "chat:write,incoming-webhook",
          incoming_webhook: {
            channel: "#legal",
            channel_id: "C0LEGAL1",
            configuration_url: "https://acme.slack.com/services/B1",
            url: "https://hooks.slack.com/services/T0TEAM/B1/secret",
          },
        },
      },
    },
  });
  ({
    ctx,
    origin,
    close: closeServer,
  } = await serveTestApp((origin) => ({
    allowPrivateWebhooks: true,
    config: { publicUrl: origin, slack: { ...SLACK_APP, apiUrl: slack.apiUrl } },
  })));
  const now = ctx.clock.now();
  await ctx.database.db.insert(platforms).values([
    { slug: slugOf("anthropic"), name: `Anthropic ${tag}`, createdAt: now, updatedAt: now },
    { slug: slugOf("netflix"), name: `Netflix ${tag}`, createdAt: now, updatedAt: now },
    { slug: slugOf("openai"), name: `OpenAI Platform ${tag}`, createdAt: now, updatedAt: now },
  ]);
  await ctx.database.db.insert(documents).values([
    {
      platformSlug: slugOf("anthropic"),
      slug: "claudeai-terms-of-service",
      title: "Claude.ai Terms of Service",
      createdAt: now,
      updatedAt: now,
    },
    { platformSlug: slugOf("netflix"), slug: "terms-of-use", title: "Netflix Terms of Use", createdAt: now, updatedAt: now },
  ]);
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium({
    timezoneId: "America/New_York",
    viewport: WIDTHS[1],
  });
  await browser.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  page = await browser.newPage();
  page.setDefaultTimeout(8_000);
});

afterAll(async () => {
  await browser?.close();
  await closeServer?.();
  await slack?.close();
});

/**
 * Screenshots at both widths; fails when the page is wider than the window at either. When the
 * URL has a fragment, the page is scrolled back to it after each resize (as a browser landing
 * there would be) before `check` runs.
 */
async function shoot(name: string, check?: () => Promise<void>) {
  for (const size of WIDTHS) {
    await page.setViewportSize(size);
    const hash = new URL(page.url()).hash;
    if (hash) await page.locator(hash).scrollIntoViewIfNeeded();
    const overflow = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
    }));
    expect(overflow.scroll, `${name} at ${size.width} px scrolls sideways`).toBeLessThanOrEqual(overflow.inner);
    await check?.();
    await page.screenshot({ path: join(SHOTS, `${name}-${size.width}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDTHS[1]);
}

/** True when the element's box is at least partly inside the window. */
const onScreen = (selector: string) =>
  page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight;
  });

async function openAs(u: TestUser) {
  const res = await page.goto(`${origin}${await preferencesLink(ctx, u)}`);
  expect(res?.status()).toBe(200);
}

const inAnHour = () => Math.floor(ctx.clock.now().getTime() / 1000) + 3600;

describe("the preference page, every state", () => {
  it("a signed-in account with nothing yet", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    await openAs(u);
    expect(await page.getByText("Nothing on your watchlist yet").isVisible()).toBe(true);
    expect(await page.locator("#schedule").textContent()).toContain("Mondays at 9:00, UTC");
    await shoot("01-empty-account");
  });

  it("watches grouped by platform with names and severity; channel cards in every state, the reason in words", async () => {
    const u = await createUser(ctx, { tier: "professional", timezone: "America/New_York" });
    const anthropic = slugOf("anthropic");
    await call(ctx, "POST", "/v1/watchlist", { token: u.key, body: { platform: anthropic } });
    await call(ctx, "POST", "/v1/watchlist", {
      token: u.key,
      body: { platform: anthropic, document: "claudeai-terms-of-service", min_severity: "high" },
    });
    await call(ctx, "POST", "/v1/watchlist", { token: u.key, body: { platform: slugOf("netflix"), min_severity: "critical" } });
    await call(ctx, "PATCH", "/v1/me", {
      token: u.key,
      body: { alerts: { window_minutes: 30, quiet_hours: { start: "22:00", end: "07:00" } } },
    });
    await call(ctx, "POST", "/v1/channels", { token: u.key, body: { type: "email", address: `legal-${tag}@example.com` } });
    const off = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "webhook", url: "http://127.0.0.1:9/a-rather-long-path/that-keeps-going/hooks/clausewatch" },
    });
    await call(ctx, "PATCH", `/v1/channels/${off.json.id}`, { token: u.key, body: { enabled: false } });
    const paused = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "webhook", url: "http://127.0.0.1:9/b" },
    });
    await ctx.database.db
      .update(channels)
      .set({ status: "paused", statusReason: "tier_limit" })
      .where(eq(channels.id, paused.json.id as string));
    await openAs(u);

    const groups = page.locator(".group");
    expect(await groups.count()).toBe(2);
    const first = (await groups.first().textContent()) ?? "";
    expect(first).toContain(`Anthropic ${tag}`);
    expect(first).toContain("The whole platform");
    expect(first).toContain("Claude.ai Terms of Service");
    expect(first).toContain("High and above");
    expect(await groups.nth(1).textContent()).toContain("Critical only");
    // initials of the name's first two words: "Anthropic ds-…"
    expect(await groups.first().locator(".badge").textContent()).toBe("AD");

    const cards = page.getByRole("list", { name: "Your channels" }).locator("li");
    const text = (await cards.allTextContents()).join(" | ");
    expect(text).toContain("Active");
    expect(text).toContain("Waiting for confirmation");
    expect(text).toContain("Disabled: you turned it off");
    expect(text).toContain("Paused: your plan allows fewer channels");
    expect(await page.locator("#schedule").textContent()).toContain("Mondays at 9:00, New York time");
    expect(await page.locator("#alerts").textContent()).toContain("waits 30 minutes");
    expect(await page.locator("#alerts").textContent()).toContain("Quiet hours 22:00–07:00, New York time");
    await shoot("02-watches-and-channels");
    // the same page in dark mode (the layout follows prefers-color-scheme)
    await page.emulateMedia({ colorScheme: "dark" });
    await shoot("02-watches-and-channels-dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("after a save, the page lands on the section and the confirmation is there, on screen", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    await openAs(u);
    await page.getByLabel("Day", { exact: true }).selectOption("wed");
    await page.getByRole("button", { name: "Save schedule" }).click();
    await page.waitForURL(/done=schedule_saved#schedule$/);
    const status = page.locator("#schedule [role=status]");
    expect(await status.textContent()).toContain("Digest schedule saved");
    expect(await onScreen("#schedule [role=status]")).toBe(true);
    expect(await page.locator("#schedule").textContent()).toContain("Wednesdays at 9:00");
    await shoot("03-saved-at-anchor", async () => expect(await onScreen("#schedule [role=status]")).toBe(true));
  });

  it("a form error keeps what was typed, with the error beside the field and close catalog matches", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    await openAs(u);
    const typed = `Netflx ${tag} Streaming!`;
    await page.getByLabel("Platform", { exact: true }).fill(typed);
    await page.getByLabel("Document (optional)").fill("Terms of Use");
    await page.getByLabel("Only changes of at least this severity").selectOption("high");
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.getByRole("button", { name: "Add watch" }).click(),
    ]);
    expect(res.status()).toBe(400);
    expect(new URL(page.url()).hash).toBe("#add-by-name");
    expect(await page.getByLabel("Platform", { exact: true }).inputValue()).toBe(typed);
    expect(await page.getByLabel("Document (optional)").inputValue()).toBe("Terms of Use");
    expect(await page.getByLabel("Only changes of at least this severity").inputValue()).toBe("high");
    expect(await page.getByLabel("Platform", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    const error = page.locator("#platform-error");
    expect(await error.textContent()).toContain(`Did you mean Netflix ${tag}`);
    expect(await onScreen("#platform-error")).toBe(true);
    await shoot("04-form-error-kept-values", async () => expect(await onScreen("#platform-error")).toBe(true));
  });

  it("a new webhook's secret is shown where the page lands, selectable, with a working Copy button", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    await openAs(u);
    await page.getByLabel("URL", { exact: true }).fill("http://127.0.0.1:9/hook");
    await page.getByRole("button", { name: "Add webhook" }).click();
    await page.locator("#secret-value").waitFor();
    expect(new URL(page.url()).hash).toBe("#add-webhook");
    const secret = ((await page.locator("#secret-value").textContent()) ?? "").trim();
    expect(secret).toMatch(/^whsec_/);
    expect(await onScreen("#secret-value")).toBe(true);
    await page.getByRole("button", { name: "Copy secret" }).click();
    await expect.poll(() => page.locator("#copy-status").textContent()).toBe("Copied");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await shoot("05-webhook-secret", async () => expect(await onScreen("#secret-value")).toBe(true));
  });

  it("add by name takes a platform's name in any case, and a document's title", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    await openAs(u);
    expect(await page.locator(`#platform-names option[value="Netflix ${tag}"]`).count()).toBe(1);
    await page.getByLabel("Platform", { exact: true }).fill(`NETFLIX ${tag}`);
    await page.getByLabel("Document (optional)").fill("netflix terms of use");
    await shoot("06-add-by-name-typed");
    await page.getByRole("button", { name: "Add watch" }).click();
    await page.waitForURL(/done=watch_added#watchlist$/);
    const items = (await call(ctx, "GET", "/v1/watchlist", { token: u.key })).json.items as Record<string, unknown>[];
    expect(items).toMatchObject([{ platform: slugOf("netflix"), document: "terms-of-use" }]);
    expect(await onScreen("#watchlist [role=status]")).toBe(true);
    await shoot("07-add-by-name-added");
  });
});

describe("the other pages, on the same layout", () => {
  let u: TestUser;
  beforeAll(async () => {
    u = await createUser(ctx, { tier: "watcher" });
  });

  /** The page uses the common layout: its top bar and its card. */
  async function onLayout() {
    expect(await page.locator("header.topbar .brand").textContent()).toContain("clausewatch");
    expect(await page.locator("main .card h1").count()).toBe(1);
  }

  it("unsubscribe: the question, then the answer", async () => {
    const token = await signToken(ctx.deps.keys, { p: "unsubscribe", s: u.id, e: inAnHour(), x: "digests" });
    await page.goto(`${origin}/unsubscribe/${encodeURIComponent(token)}`);
    await onLayout();
    await shoot("08-unsubscribe");
    await page.getByRole("button", { name: "Unsubscribe" }).click();
    await page.getByRole("heading", { name: "Unsubscribed" }).waitFor();
    await shoot("09-unsubscribed");
  });

  it("email confirmation", async () => {
    const created = await call(ctx, "POST", "/v1/channels", {
      token: u.key,
      body: { type: "email", address: `confirm-${tag}@example.com` },
    });
    const token = await signToken(ctx.deps.keys, { p: "verify-email", s: created.json.id as string, e: inAnHour() });
    await page.goto(`${origin}/verify-email/${encodeURIComponent(token)}`);
    await onLayout();
    await shoot("10-confirm-email");
    await page.getByRole("button", { name: "Confirm this address" }).click();
    await page.getByRole("heading", { name: "Address confirmed" }).waitFor();
    await shoot("11-email-confirmed");
  });

  it("an expired sign-in link offers a new one by email, and never mentions the API", async () => {
    const res = await page.goto(`${origin}/preferences?token=expired.link`);
    expect(res?.status()).toBe(400);
    await onLayout();
    const text = (await page.locator("main").textContent()) ?? "";
    expect(text).not.toMatch(/API|POST|\/v1\//);
    await page.getByLabel("Your account's email address").fill(u.email);
    await shoot("12-expired-link");
    await page.getByRole("button", { name: "Email me a new sign-in link" }).click();
    await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
    await shoot("13-sign-in-link-sent");
  });

  it("the manage page of a Slack or webhook message, and the sign-in page with an error", async () => {
    const token = await signToken(ctx.deps.keys, { p: "manage", s: u.id, e: inAnHour() });
    await page.goto(`${origin}/manage/${encodeURIComponent(token)}`);
    await onLayout();
    await shoot("14-manage");
    await page.goto(`${origin}/signin`);
    await page.getByLabel("Email address").fill("not-an-address@");
    // the browser's own check would stop the post: the server's answer is the state shown
    await page.locator("form").evaluate((f) => f.setAttribute("novalidate", ""));
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    await page.locator("#email-error").waitFor();
    expect(await page.getByLabel("Email address").inputValue()).toBe("not-an-address@");
    await shoot("15-sign-in-error");
  });

  it("Add to Slack: the result page", async () => {
    await openAs(u);
    // Slack's authorize page is stood in for: it sends the browser back with a code
    await page.route("https://slack.com/**", (route) => {
      const state = new URL(route.request().url()).searchParams.get("state") ?? "";
      return route.fulfill({
        status: 302,
        headers: { location: `${origin}/slack/oauth/callback?code=code-1&state=${encodeURIComponent(state)}` },
      });
    });
    await page.getByRole("link", { name: "Add to Slack" }).click();
    await page.getByRole("heading", { name: "Slack connected" }).waitFor();
    await onLayout();
    await shoot("16-slack-connected");
    await page.unroute("https://slack.com/**");
    await page.goto(`${origin}/slack/oauth/callback?code=code-1&state=forged`);
    await page.getByRole("heading", { name: "Slack was not connected" }).waitFor();
    await shoot("17-slack-refused");
  });
});
