import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documents, platforms, users } from "../../src/db/schema";
import { call, createUser, postEvent, type TestContext, type TestUser, uniq } from "../helpers/app";
import { launchChromium, serveTestApp } from "../helpers/browser";
import { freshEvent } from "../helpers/events";
import { preferencesLink } from "../helpers/page";

/**
 * The preference page in a real browser: Debian's Chromium driven by playwright-core, against the
 * real app served on 127.0.0.1. Every change made by clicking is checked through the API, and
 * each page is saved as a screenshot at desktop and phone width in test-artifacts/preferences/.
 */
const SHOTS = fileURLToPath(new URL("../../test-artifacts/preferences/", import.meta.url));
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

let ctx: TestContext;
let closeServer: (() => Promise<void>) | undefined;
let origin: string;
let browser: BrowserContext;
let page: Page;
/** a platform slug unique to this run, so a shared PostgreSQL database cannot confuse the catalog */
const tag = uniq("br").replace(/[^a-z0-9]+/g, "-");
const slugOf = (name: string) => `${name}-${tag}`;

beforeAll(async () => {
  ({ ctx, origin, close: closeServer } = await serveTestApp());
  const now = ctx.clock.now();
  await ctx.database.db.insert(platforms).values([
    { slug: slugOf("anthropic"), name: `Anthropic ${tag}`, createdAt: now, updatedAt: now },
    { slug: slugOf("netflix"), name: `Netflix ${tag}`, createdAt: now, updatedAt: now },
  ]);
  await ctx.database.db.insert(documents).values({
    platformSlug: slugOf("anthropic"),
    slug: "claudeai-terms-of-service",
    title: "Claude.ai Terms of Service",
    createdAt: now,
    updatedAt: now,
  });
  mkdirSync(SHOTS, { recursive: true });
  // the browser lives in Berlin while accounts start in UTC: the page should suggest the zone
  browser = await launchChromium({
    timezoneId: "Europe/Berlin",
    viewport: DESKTOP,
  });
  page = await browser.newPage();
  // fail with the locator that waited, well inside the test timeout
  page.setDefaultTimeout(8_000);
});

afterAll(async () => {
  await browser?.close();
  await closeServer?.();
});

/** Full-page screenshots at desktop and phone width; at phone width nothing may scroll sideways. */
async function shoot(name: string) {
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: join(SHOTS, `${name}-phone.png`), fullPage: true });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  await page.setViewportSize(DESKTOP);
}

async function openAs(u: TestUser) {
  const res = await page.goto(`${origin}${await preferencesLink(ctx, u)}`);
  expect(res?.status()).toBe(200);
  expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Your clausewatch preferences");
}

const watchlist = async (u: TestUser) =>
  ((await call(ctx, "GET", "/v1/watchlist", { token: u.key })).json.items as { id: string; platform: string }[]).map(
    (w) => w.platform,
  );

describe("the preference page in Chromium", () => {
  let watcher: TestUser;
  beforeAll(async () => {
    watcher = await createUser(ctx, { tier: "watcher" });
  });

  it("opens from the login link, names the user and suggests the browser's time zone", async () => {
    await openAs(watcher);
    expect(await page.title()).toBe("Preferences · clausewatch");
    expect(await page.getByText(`Signed in as ${watcher.email}`).isVisible()).toBe(true);
    const hint = page.locator("#tz-hint");
    expect(await hint.isVisible()).toBe(true);
    expect(await hint.textContent()).toContain("Europe/Berlin");
    expect(await page.locator("#timezone").inputValue()).toBe("UTC");
    await shoot("01-overview");
  });

  it("adds a watch from the catalog search and removes it; the API sees both", async () => {
    await openAs(watcher);
    await page.getByLabel("Search platforms").fill(`anthropic ${tag}`);
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.waitForURL(/q=anthropic/);
    expect(await page.getByRole("button", { name: `Watch Netflix ${tag}` }).count()).toBe(0);
    await shoot("02-catalog-search");
    await page.getByRole("button", { name: `Watch Anthropic ${tag}`, exact: true }).click();
    await page.waitForURL(/done=watch_added/);
    expect(await page.getByRole("status").first().textContent()).toContain("Added to your watchlist.");
    expect(await watchlist(watcher)).toEqual([slugOf("anthropic")]);
    await shoot("03-watch-added");

    // the watch is named by its platform's name, not its slug
    await page.getByRole("button", { name: `Remove Anthropic ${tag}` }).click();
    await page.waitForURL(/done=watch_removed/);
    expect(await watchlist(watcher)).toEqual([]);
    await shoot("04-watch-removed");
  });

  it("changes the digest schedule, taking the suggested zone", async () => {
    await openAs(watcher);
    await page.getByLabel("Day", { exact: true }).selectOption("fri");
    await page.getByLabel("Hour", { exact: true }).selectOption("7");
    await page.getByRole("button", { name: "Use it" }).click();
    expect(await page.locator("#timezone").inputValue()).toBe("Europe/Berlin");
    await page.getByRole("button", { name: "Save schedule" }).click();
    await page.waitForURL(/done=schedule_saved/);
    const me = (await call(ctx, "GET", "/v1/me", { token: watcher.key })).json;
    expect(me).toMatchObject({ timezone: "Europe/Berlin", digest: { day: "fri", hour: 7 } });
    // the stored zone is shown, and the hint is gone now that they agree
    expect(await page.locator("#timezone").inputValue()).toBe("Europe/Berlin");
    expect(await page.locator("#tz-hint").isVisible()).toBe(false);
    await shoot("05-schedule-saved");
  });

  it("a free user hitting the platform limit sees why, and what Watcher allows", async () => {
    const free = await createUser(ctx);
    await openAs(free);
    await page.getByRole("button", { name: `Watch Anthropic ${tag}`, exact: true }).click();
    await page.waitForURL(/done=watch_added/);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/preferences/watches/add")),
      page.getByRole("button", { name: `Watch Netflix ${tag}`, exact: true }).click(),
    ]);
    expect(response.status()).toBe(403);
    const alert = await page.getByRole("alert").textContent();
    expect(alert).toContain("free tier watches at most 1 platform");
    expect(alert).toContain("The Watcher plan watches up to 10 platforms.");
    expect(await watchlist(free)).toEqual([slugOf("anthropic")]);
    await shoot("06-tier-limit");
  });

  it("unsubscribes from everything: the next change reaches no channel", async () => {
    const u = await createUser(ctx, { tier: "watcher" });
    const platform = slugOf("unsub");
    await call(ctx, "POST", "/v1/watchlist", { token: u.key, body: { platform } });
    expect((await postEvent(ctx, freshEvent("03-netflix-ai-prohibition", { platformSlug: platform }))).fanout?.alerts).toBe(1);
    await openAs(u);
    await page.getByRole("button", { name: "Unsubscribe from everything" }).click();
    await page.waitForURL(/done=unsubscribed/);
    expect(await page.getByText("You receive no messages from clausewatch.").isVisible()).toBe(true);
    const [row] = await ctx.database.db.select().from(users).where(eq(users.id, u.id));
    expect([row.alertsOff, row.digestsOff]).toEqual([true, true]);
    const after = await postEvent(ctx, freshEvent("03-netflix-ai-prohibition", { platformSlug: platform }));
    expect(after.fanout).toMatchObject({ matched_users: 1, alerts: 0 });
    await shoot("07-unsubscribed");
  });

  it("a bad link shows a page that says how to get a new one", async () => {
    const res = await page.goto(`${origin}/preferences?token=expired.link`);
    expect(res?.status()).toBe(400);
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("This link does not work");
    await shoot("08-bad-link");
  });

  it("text and controls meet 4.5:1 contrast, and the keyboard starts at the skip link", async () => {
    await openAs(watcher);
    const low = await page.evaluate(() => {
      const rgb = (s: string) => (s.match(/[\d.]+/g) ?? []).map(Number);
      const lum = ([r, g, b]: number[]) => {
        const f = (v: number) => {
          const c = v / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const background = (el: Element | null): number[] => {
        for (let e = el; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor);
          if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
        }
        return [255, 255, 255];
      };
      const out: string[] = [];
      for (const el of document.querySelectorAll("h1,h2,h3,p,label,legend,a,button,li,span,strong,summary,option")) {
        if (!(el as HTMLElement).offsetParent || !el.textContent?.trim()) continue;
        const fg = lum(rgb(getComputedStyle(el).color));
        const bg = lum(background(el));
        const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
        if (ratio < 4.5) out.push(`${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
      }
      return out;
    });
    expect(low).toEqual([]);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Skip to content");
  });
});

describe("without JavaScript", () => {
  it("the forms still work: add a watch and save the schedule", async () => {
    const nojs = await launchChromium({
      javaScriptEnabled: false,
      viewport: PHONE,
    });
    try {
      const u = await createUser(ctx, { tier: "watcher" });
      const p = await nojs.newPage();
      await p.goto(`${origin}${await preferencesLink(ctx, u)}`);
      await p.getByRole("button", { name: `Watch Netflix ${tag}`, exact: true }).click();
      await p.waitForURL(/done=watch_added/);
      await p.getByLabel("Time zone", { exact: true }).selectOption("America/New_York");
      await p.getByRole("button", { name: "Save schedule" }).click();
      await p.waitForURL(/done=schedule_saved/);
      expect(await watchlist(u)).toEqual([slugOf("netflix")]);
      expect((await call(ctx, "GET", "/v1/me", { token: u.key })).json.timezone).toBe("America/New_York");
      await p.screenshot({ path: join(SHOTS, "09-no-javascript-phone.png"), fullPage: true });
    } finally {
      await nojs.close();
    }
  });
});
