import { defineConfig } from "vitest/config";

/**
 * The black-box contract suite (`npm run test:blackbox -- --target node|worker`, scripts/blackbox.ts):
 * test/blackbox/*.blackbox.ts talk to a running service over HTTP only (BLACKBOX_URL), so the same
 * files check `npm start` and `npm run dev:worker`. The `.blackbox.ts` suffix keeps them out of
 * `npm test`, which has no service to talk to.
 */
export default defineConfig({
  test: {
    include: ["test/blackbox/**/*.blackbox.ts"],
    // one service and one digest planner for all files: no file runs while another plans digests
    fileParallelism: false,
    pool: "forks",
    testTimeout: 45_000,
    hookTimeout: 30_000,
  },
});
