/**
 * The demo's throw-away service: the app on in-memory PGlite and a free port, with its own
 * fan-out worker and dispatcher, emails written to a temporary directory that outlives it (so the
 * demo can point at the delivered email).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app";
import { openDatabase } from "../src/db/client";
import { createDispatcher } from "../src/delivery/dispatcher";
import { createMetrics } from "../src/delivery/metrics";
import { createChannels } from "../src/delivery/setup";
import { createFanoutWorker } from "../src/ingest/fanout-worker";
import { systemClock } from "../src/lib/clock";
import { createKeys, randomBytes, toBase64, toHex } from "../src/lib/crypto";
import { createLogger } from "../src/lib/log";
import { serveOnFreePort } from "./lib";

export async function inProcessService() {
  const database = await openDatabase({});
  const adminToken = `adm_${toHex(randomBytes(24))}`;
  const ingestSecret = `whsec_${toBase64(randomBytes(32))}`;
  const keys = await createKeys(randomBytes(32));
  const log = createLogger("warn");
  const metrics = createMetrics();
  const dataDir = mkdtempSync(join(tmpdir(), "clausewatch-demo-"));
  // The port is only known once serving; links in the emails use the loopback base without it.
  const publicUrl = "http://127.0.0.1";
  const channels = createChannels({
    publicUrl,
    dataDir,
    emailFrom: "clausewatch <alerts@localhost>",
    allowPrivateWebhookTargets: false,
  });
  const dispatcher = createDispatcher({ database, channels, keys, clock: systemClock, log, metrics, publicUrl, pollMs: 200 });
  const fanout = createFanoutWorker({ database, clock: systemClock, log, onQueued: () => dispatcher.wake(), pollMs: 200 });
  const app = createApp({
    database,
    clock: systemClock,
    keys,
    metrics,
    onQueued: () => dispatcher.wake(),
    config: { adminToken, ingestSecret, publicUrl, allowPrivateWebhookTargets: false },
    log,
  });
  const server = await serveOnFreePort(app.fetch);
  await fanout.start();
  await dispatcher.start();
  return {
    ...server,
    adminToken,
    ingestSecret,
    outboxDir: join(dataDir, "outbox"),
    close: async () => {
      await server.close();
      await fanout.stop();
      await dispatcher.stop();
      await database.close();
    },
  };
}
