/**
 * `npm run lint:openapi`: builds the document /openapi.json serves, from createApp, and lints it
 * with Redocly's recommended rules (0 errors or the run fails).
 * `npm run lint:openapi -- --out openapi.json` also keeps the document.
 *
 * Nothing here needs a database: building the document runs no handler, so the app gets a
 * Database whose every use throws (a route that did touch it would fail loudly, not hang).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createApp } from "../src/app";
import type { Database, Db } from "../src/db/types";
import { createMetrics } from "../src/delivery/metrics";
import { systemClock } from "../src/lib/clock";
import { createKeys, randomBytes } from "../src/lib/crypto";
import { createLogger } from "../src/lib/log";

const noDatabase = (): never => {
  throw new Error("scripts/openapi.ts builds the OpenAPI document only: it has no database");
};

export async function buildOpenApiDocument(publicUrl: string): Promise<unknown> {
  const database: Database = {
    db: new Proxy({}, { get: noDatabase }) as Db,
    kind: "pglite",
    ping: async () => noDatabase(),
    close: async () => {},
    listen: async () => noDatabase(),
  };
  const app = createApp({
    database,
    clock: systemClock,
    keys: await createKeys(randomBytes(32)),
    config: {
      adminToken: "openapi-document-only",
      ingestSecret: "whsec_b3BlbmFwaS1kb2N1bWVudC1vbmx5",
      publicUrl,
      allowPrivateWebhookTargets: false,
    },
    metrics: createMetrics(),
    log: createLogger("error", (line) => console.error(line)),
  });
  const res = await app.request("/openapi.json");
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}: ${await res.text()}`);
  return res.json();
}

async function main() {
  const outAt = process.argv.indexOf("--out");
  const keep = outAt > 0 ? process.argv[outAt + 1] : undefined;
  const dir = mkdtempSync(join(tmpdir(), "clausewatch-openapi-"));
  const file = keep ? resolve(keep) : join(dir, "openapi.json");
  try {
    // the servers entry is PUBLIC_URL, as `npm start` would serve it
    const publicUrl = process.env.PUBLIC_URL || `http://localhost:${process.env.PORT || "8787"}`;
    writeFileSync(file, `${JSON.stringify(await buildOpenApiDocument(publicUrl), null, 2)}\n`);
    // The machine that runs CI may have no internet: no usage data, no "new version" check
    // (a request to registry.npmjs.org), nothing that could hang waiting for a network.
    const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" };
    const bin = resolve("node_modules/.bin/redocly");
    const run = spawnSync(bin, ["lint", "--extends=recommended", "--format=stylish", file], {
      env,
      stdio: "inherit",
      timeout: 120_000,
    });
    if (run.error) throw run.error;
    process.exitCode = run.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
