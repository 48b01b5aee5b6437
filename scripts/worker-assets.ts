/**
 * The Worker's static assets (wrangler.toml `[assets]`): Scalar's standalone bundle at
 * /docs/scalar.js, copied from the installed @scalar/api-reference (the version package.json
 * pins). On Node, src/routes/docs/docs.bundle.ts reads that file at run time; a Worker cannot read
 * node_modules, so Cloudflare serves this copy (compressed, cached) before the Worker runs.
 *
 *   tsx scripts/worker-assets.ts     (npm run build:worker, dev:worker and deploy run it)
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const WORKER_ASSETS_DIR = fileURLToPath(new URL("../dist-worker-assets", import.meta.url));

export function copyWorkerAssets(): void {
  const entry = createRequire(import.meta.url).resolve("@scalar/api-reference");
  mkdirSync(join(WORKER_ASSETS_DIR, "docs"), { recursive: true });
  copyFileSync(join(dirname(entry), "browser", "standalone.js"), join(WORKER_ASSETS_DIR, "docs", "scalar.js"));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) copyWorkerAssets();
