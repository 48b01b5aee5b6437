/**
 * A dispatcher in its own process, for the crash test: killed with SIGKILL mid-batch, then
 * started again. Configured by environment (this is a test entry point, not the service).
 */
import { openDatabase } from "../../src/db/client";
import { createDispatcher } from "../../src/delivery/dispatcher";
import { createMetrics } from "../../src/delivery/metrics";
import { createChannels } from "../../src/delivery/setup";
import { systemClock } from "../../src/lib/clock";
import { createKeys, decodeSecretKey } from "../../src/lib/crypto";
import { createLogger } from "../../src/lib/log";

const env = process.env;
const database = await openDatabase({ url: env.DATABASE_URL, migrate: false, max: 4 });
const channels = createChannels({
  publicUrl: "http://clausewatch.test",
  dataDir: "/nonexistent",
  emailFrom: "clausewatch <alerts@clausewatch.test>",
  allowPrivateWebhookTargets: true,
});
const dispatcher = createDispatcher({
  database,
  channels,
  keys: await createKeys(decodeSecretKey(env.SECRET_KEY ?? "")),
  clock: systemClock,
  log: createLogger("warn", (l) => process.stderr.write(`${l}\n`)),
  metrics: createMetrics(),
  publicUrl: "http://clausewatch.test",
  leaseMs: Number(env.LEASE_MS ?? 2000),
  batchSize: 50,
  concurrency: 8,
});
await dispatcher.start();
process.stdout.write("ready\n");
process.on("SIGTERM", async () => {
  await dispatcher.stop();
  await database.close();
  process.exit(0);
});
