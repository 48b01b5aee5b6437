/**
 * `npm run demo`: a Watcher watching anthropic and ideogram, every fixture event posted (signed,
 * fresh ids), and what matched. Runs against the service at PUBLIC_URL / localhost:PORT with the
 * secrets `npm start` uses; when nothing answers there, starts a throw-away service in this
 * process on an in-memory PGlite and a free port.
 */
import { createApp } from "../src/app";
import { openDatabase } from "../src/db/client";
import { systemClock } from "../src/lib/clock";
import { createKeys, randomBytes, toBase64, toHex } from "../src/lib/crypto";
import { createLogger } from "../src/lib/log";
import { type DemoResult, runDemo } from "./demo-flow";
import { isRunning, serveOnFreePort, targetFromEnv } from "./lib";

async function inProcessService() {
  const database = await openDatabase({});
  const adminToken = `adm_${toHex(randomBytes(24))}`;
  const ingestSecret = `whsec_${toBase64(randomBytes(32))}`;
  const app = createApp({
    database,
    clock: systemClock,
    keys: await createKeys(randomBytes(32)),
    config: { adminToken, ingestSecret, publicUrl: "http://127.0.0.1", allowPrivateWebhookTargets: false },
    log: createLogger("warn"),
  });
  const server = await serveOnFreePort(app.fetch);
  return {
    ...server,
    adminToken,
    ingestSecret,
    close: async () => {
      await server.close();
      await database.close();
    },
  };
}

function print(r: DemoResult, baseUrl: string | null) {
  console.log(`\ndemo user ${r.user.email} (${r.user.id}), tier watcher, watching anthropic and ideogram\n`);
  const cell = (n: number | undefined) => String(n ?? "–").padStart(7);
  console.log(`${"event file".padEnd(38)}${"platform".padEnd(11)}status matched  alerts  digest`);
  for (const e of r.events) {
    console.log(
      `${e.file.padEnd(38)}${e.platform.padEnd(11)}${String(e.status).padEnd(6)}${cell(e.matchedUsers)} ${cell(e.alerts)} ${cell(e.digestItems)}`,
    );
    if (e.status !== 202) console.log(`  ${JSON.stringify(e.body)}`);
  }
  console.log("\n(matched, alerts and digest count every user on this service, not only the demo user)");
  if (r.notifications) {
    console.log(`\nthe demo user's notifications (${r.notifications.length}):`);
    for (const n of r.notifications) console.log(`  ${n.kind} ${n.id} ${n.status}, events: ${n.event_ids.join(", ")}`);
  }
  console.log(`\nthe demo user's API key (shown once): ${r.apiKey}`);
  if (baseUrl) console.log(`try: GET ${baseUrl}/v1/watchlist or /v1/notifications with "Authorization: Bearer <that key>"`);
}

async function main() {
  const target = targetFromEnv();
  if (await isRunning(target.baseUrl)) {
    if (!target.adminToken || !target.ingestSecret) {
      throw new Error(`a service runs at ${target.baseUrl}, but ADMIN_TOKEN or INGEST_SECRET is missing from ${target.source}`);
    }
    console.log(`using the service at ${target.baseUrl}`);
    print(
      await runDemo({ baseUrl: target.baseUrl, adminToken: target.adminToken, ingestSecret: target.ingestSecret }),
      target.baseUrl,
    );
    return;
  }
  console.log(`nothing answers at ${target.baseUrl}: starting a throw-away service in this process`);
  console.log("(in-memory PGlite, a free port, fresh secrets; ingest and matching only, nothing is delivered)");
  const svc = await inProcessService();
  try {
    console.log(`in-process service at ${svc.baseUrl}`);
    print(await runDemo({ baseUrl: svc.baseUrl, adminToken: svc.adminToken, ingestSecret: svc.ingestSecret }), null);
    console.log("(the in-process service stops now; its data is gone with it)");
  } finally {
    await svc.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
