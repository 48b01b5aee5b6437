import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's Chromium (STACK.md): `npx playwright install` cannot download browsers here. */
const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

type ContextOptions = NonNullable<Parameters<typeof chromium.launchPersistentContext>[1]>;

/**
 * A headless Chromium with a profile of its own, for the browser tests; closing it removes the
 * profile. `options` adds to (or overrides) the launch: viewport, time zone, JavaScript off…
 */
export async function launchChromium(options: ContextOptions = {}): Promise<BrowserContext> {
  const dir = mkdtempSync(join(tmpdir(), "clausewatch-chromium-"));
  const browser = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    ...options,
  });
  browser.once("close", () => rmSync(dir, { recursive: true, force: true }));
  return browser;
}
