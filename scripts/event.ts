/**
 * Posts change events to a running service, signed with INGEST_SECRET like the pipeline does.
 *
 *   npm run event -- test/fixtures/events/01-anthropic-ai-training.json [more.json …]
 *
 * The file's bytes are the body, unchanged: posting the same file twice shows the idempotency
 * (202, then 200 with "duplicate": true). Exit status 1 if any post was not a 2xx.
 */
import { readFileSync } from "node:fs";
import { NotRunningError, postSignedEvent, targetFromEnv } from "./lib";

async function main(files: string[]): Promise<number> {
  if (files.length === 0) {
    console.error("usage: npm run event -- path/to/event.json [more.json …]");
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
    if (res.status < 200 || res.status > 299) failed++;
  }
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof NotRunningError ? err.message : err);
    process.exit(1);
  },
);
