/**
 * `npm run demo`: a Watcher who wants alerts at once, watching anthropic and ideogram; every
 * fixture event posted (signed, fresh ids); what matched, and where the alert went. Runs against
 * the service at PUBLIC_URL / localhost:PORT with the secrets `npm start` uses; when nothing
 * answers there, starts a throw-away service in this process: in-memory PGlite, a free port, and
 * its own fan-out and dispatcher writing emails to a temporary directory that is kept
 * (scripts/demo-service.ts).
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { type DemoResult, outboxFile, runDemo, whyNotSent } from "./demo-flow";
import { argsOrExit, isRunning, targetFromEnv } from "./lib";

const USAGE = `usage: npm run demo

Creates a Watcher user who gets alerts at once (alerts.window_minutes 0) and watches anthropic
and ideogram, posts every test/fixtures/events/*.json signed under fresh ids (so it can run again),
prints what each event matched, waits up to 10 s for the alert to be sent and prints where it went
(the .html file under DATA_DIR/outbox/ when the service has no RESEND_API_KEY), or why not yet.
When no service answers, it starts a throw-away one in this process (in-memory database, a free
port, fresh secrets) that delivers into a temporary directory, and says so.

options:
  -h, --help      this text

environment:
  PUBLIC_URL      the service's base URL (default http://localhost:$PORT)
  PORT            the service's port when PUBLIC_URL is unset (default 8787)
  ADMIN_TOKEN     creates the demo user (default: the one in DATA_DIR/secrets.json)
  INGEST_SECRET   signs the events (default: the one in DATA_DIR/secrets.json)
  DATA_DIR        where \`npm start\` keeps its secrets and writes emails, outbox/ (default ./.data)
`;

/** Paths under the working directory read shorter relative. */
const shown = (path: string) => (path.startsWith(process.cwd()) ? relative(process.cwd(), path) : path);

function print(r: DemoResult, baseUrl: string | null, outboxDir: string, external: boolean) {
  console.log(`\ndemo user ${r.user.email} (${r.user.id}), tier watcher, alerts at once, watching anthropic and ideogram\n`);
  const cell = (n: number | undefined) => String(n ?? "–").padStart(7);
  console.log(`${"event file".padEnd(38)}${"platform".padEnd(11)}status matched  alerts  digest`);
  for (const e of r.events) {
    console.log(
      `${e.file.padEnd(38)}${e.platform.padEnd(11)}${String(e.status).padEnd(6)}${cell(e.matchedUsers)} ${cell(e.alerts)} ${cell(e.digestItems)}`,
    );
    if (e.status !== 202) console.log(`  ${JSON.stringify(e.body)}`);
  }
  console.log("\n(matched, alerts and digest count every user on this service, not only the demo user)");
  const unmatched = r.events.filter((e) => e.status === 202 && e.matchedUsers === undefined);
  if (unmatched.length > 0) {
    console.log(
      `\n${unmatched.length} accepted events were not fanned out within the wait (– above): the service matches them after answering; is its fan-out worker running (see its log)?`,
    );
  }
  if (r.notifications) {
    const alerts = r.notifications.filter((n) => n.kind === "alert");
    console.log(`\nthe demo user's alerts (${alerts.length}), to ${r.user.email}:`);
    if (alerts.length === 0) console.log("  none queued yet, so nothing was sent");
    for (const n of alerts) {
      console.log(`  ${n.id} ${n.status}, events: ${n.event_ids.join(", ")}`);
      const why = whyNotSent(n, r.user, r.checkedAt);
      if (why) {
        console.log(`    not sent yet: ${why}`);
        continue;
      }
      const file = outboxFile(n);
      if (!file) console.log(`    sent through the email provider (message id ${n.provider_message_id})`);
      else if (existsSync(join(outboxDir, file)))
        console.log(`    the email: ${shown(join(outboxDir, file))} (open it in a browser)`);
      else if (external)
        console.log(
          `    written to the service's DATA_DIR/outbox/${file} (not in ${shown(outboxDir)}: the service uses another DATA_DIR)`,
        );
      else console.log(`    written to ${shown(join(outboxDir, file))}`);
    }
  }
  console.log(`\nthe demo user's API key (shown once): ${r.apiKey}`);
  if (baseUrl) console.log(`try: GET ${baseUrl}/v1/watchlist or /v1/notifications with "Authorization: Bearer <that key>"`);
}

async function main() {
  argsOrExit(process.argv.slice(2), USAGE, 0);
  const target = targetFromEnv();
  if (await isRunning(target.baseUrl)) {
    if (!target.adminToken || !target.ingestSecret) {
      throw new Error(`a service runs at ${target.baseUrl}, but ADMIN_TOKEN or INGEST_SECRET is missing from ${target.source}`);
    }
    console.log(`using the service at ${target.baseUrl}`);
    const r = await runDemo({ baseUrl: target.baseUrl, adminToken: target.adminToken, ingestSecret: target.ingestSecret });
    print(r, target.baseUrl, join(target.dataDir, "outbox"), true);
    return;
  }
  console.log(`nothing answers at ${target.baseUrl}: starting a throw-away service in this process`);
  // loaded only here: `--help` and a running service never need the whole app
  const { inProcessService } = await import("./demo-service");
  const svc = await inProcessService();
  try {
    console.log(`in-process service at ${svc.baseUrl}: in-memory PGlite, fresh secrets, emails written to ${svc.outboxDir}`);
    print(
      await runDemo({ baseUrl: svc.baseUrl, adminToken: svc.adminToken, ingestSecret: svc.ingestSecret }),
      null,
      svc.outboxDir,
      false,
    );
    console.log(
      "\n(the in-process service stops now and its database is gone with it; the emails stay, but their links lead nowhere)",
    );
    console.log("(for a service that keeps its data: `npm start`, then `npm run demo` in another terminal)");
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
