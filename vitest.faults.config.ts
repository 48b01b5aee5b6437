import { defineConfig } from "vitest/config";

/**
 * The fault tests (`npm run test:faults`): each starts a throwaway PostgreSQL cluster of its own
 * and crashes, stops or restarts it, so they need the PostgreSQL 15 binaries and minutes, not
 * seconds. One file at a time: on a 2-core machine two crash loops would time each other out.
 */
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
    env: { NODE_ENV: "test" },
  },
});
