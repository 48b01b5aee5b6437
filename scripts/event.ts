/**
 * Posts change events to a running service, signed with INGEST_SECRET like the pipeline does.
 *
 *   npm run event -- test/fixtures/events/01-anthropic-ai-training.json [more.json …]
 *
 * The file's bytes are the body, unchanged: posting the same file twice shows the idempotency
 * (202, then 200 with "duplicate": true). Exit status 1 if any post was not a 2xx.
 */
import { readFileSync } from "node:fs";
import { argsOrExit, NotRunningError, postSignedEvent, targetFromEnv, waitForFanout } from "./lib";

const EVENT_USAGE = `usage: npm run event -- <event.json> [more.json …]

Posts each file to a running clausewatch service at /v1/events, signed with INGEST_SECRET the
way the change-detection pipeline signs (Standard Webhooks), its bytes unchanged, and prints the
status and the answer, then — with ADMIN_TOKEN — what the fan-out did (matched users, alerts,
digest items). Posting the same file twice answers 200 "duplicate": true the second time.
Exit status: 0 when every post answered 2xx, 1 otherwise, 2 on a usage error.

options:
  -h, --help      this text

environment:
  PUBLIC_URL      the service's base URL (default http://localhost:$PORT)
  PORT            the service's port when PUBLIC_URL is unset (default 8787)
  INGEST_SECRET   the signing secret (default: the one in DATA_DIR/secrets.json)
  ADMIN_TOKEN     to read the fan-out's counts (default: the one in DATA_DIR/secrets.json)
  DATA_DIR        where \`npm start\` keeps the secrets it generated (default ./.data)
`;

async function main(files: string[]): Promise<number> {
  if (files.length === 0) {
    process.stderr.write(`no event file given\n\n${EVENT_USAGE}`);
    return 2;
  }
  const target = targetFromEnv();
  if (!target.ingestSecret) {
    console.error(`no INGEST_SECRET in ${target.source}: set it, or run \`npm start\` once so it generates one`);
    return 2;
  }
  let failed = 0;
  for (const file of files) {
    let raw: string;
    try {
      raw = readFileSync(file, "utf8");
    } catch (err) {
      console.error(`${file}: ${err instanceof Error ? err.message : String(err)}`);
      failed++;
      continue;
    }
    const res = await postSignedEvent(target.baseUrl, target.ingestSecret, raw);
    console.log(`${file} → POST ${target.baseUrl}/v1/events: ${res.status}`);
    console.log(typeof res.body === "string" ? res.body : JSON.stringify(res.body, null, 2));
    if (res.status === 401) console.error(`  (is the service using the INGEST_SECRET from ${target.source}?)`);
    const accepted = res.status === 202 ? (res.body as { event_id?: string }).event_id : undefined;
    if (accepted && target.adminToken) {
      // the service matches after answering: show what its fan-out did, as the operator sees it
      const counts = await waitForFanout(target.baseUrl, target.adminToken, accepted, Date.now() + 10_000);
      console.log(
        counts
          ? `  fanned out: ${counts.matched_users} matched users, ${counts.alerts} alerts, ${counts.digest_items} digest items`
          : "  not fanned out within 10 s: is the service's fan-out worker running (see its log)?",
      );
    }
    if (res.status < 200 || res.status > 299) failed++;
  }
  return failed ? 1 : 0;
}

main(argsOrExit(process.argv.slice(2), EVENT_USAGE)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof NotRunningError ? err.message : err);
    process.exit(1);
  },
);
