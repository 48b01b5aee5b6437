import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { type BrowserContext, chromium } from "playwright-core";
import { createTestContext, type TestContext } from "./app";

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
  // after close() has resolved, not on the 'close' event: Chromium may still be writing the profile then
  const close = browser.close.bind(browser);
  browser.close = async (...args: Parameters<BrowserContext["close"]>) => {
    await close(...args);
    rmSync(dir, { recursive: true, force: true });
  };
  return browser;
}

/**
 * The app served over real HTTP on a free port, for a browser: the port is known before the app
 * is built, so PUBLIC_URL (the links and the cookies' origin) can be the served origin. `over`
 * gives the test context's options from that origin. `close` stops the server and the context.
 */
export async function serveTestApp(
  over: (origin: string) => Parameters<typeof createTestContext>[0] = (origin) => ({ config: { publicUrl: origin } }),
): Promise<{ ctx: TestContext; origin: string; close: () => Promise<void> }> {
  let app: TestContext["app"] | undefined;
  const server = serve({
    fetch: (req) => (app ? app.fetch(req) : new Response("starting", { status: 503 })),
    port: 0,
    hostname: "127.0.0.1",
  });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ctx = await createTestContext(over(origin));
  app = ctx.app;
  const close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await ctx.close();
  };
  return { ctx, origin, close };
}
