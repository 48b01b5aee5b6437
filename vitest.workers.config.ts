import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { copyWorkerAssets } from "./scripts/worker-assets";
import { WORKER_TEST_DATABASE_URL, WORKER_TEST_VARS } from "./test/workers/settings";

// The Hyperdrive binding of wrangler.toml, pointed at the test database the way `npm run
// dev:worker` points it at DATABASE_URL (Hyperdrive's local connection string wants a password;
// the local server's trust auth ignores it).
process.env.CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE = WORKER_TEST_DATABASE_URL;
process.env.WRANGLER_SEND_METRICS = "false";
// wrangler.toml's [assets] directory must exist before the pool reads it
copyWorkerAssets();

/**
 * The Workers-runtime suite (`npm run test:workers`): src/worker.ts and the bindings of
 * wrangler.toml (Hyperdrive, Queues, the rate-limit Durable Object) inside workerd, against local
 * PostgreSQL. Not part of `npm test` (vitest.config.ts leaves test/workers/ out).
 */
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      main: "./src/worker.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: { ...WORKER_TEST_VARS, RECEIVER_URL: inject("receiverUrl"), SLACK_API_URL: inject("slackApiUrl") },
      },
    })),
  ],
  test: {
    include: ["test/workers/**/*.test.ts"],
    globalSetup: ["test/workers/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
