import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    // crash and restart a PostgreSQL cluster of their own: `npm run test:faults`
    // test/workers/ runs inside workerd: `npm run test:workers` (vitest.workers.config.ts)
    exclude: [...configDefaults.exclude, "test/faults/**", "test/workers/**"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
    env: { NODE_ENV: "test" },
  },
});
