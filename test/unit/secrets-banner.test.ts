import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSecrets, secretsBanner, secretsFile } from "../../src/secrets";

/*
 * The contract: "missing secrets are generated once into DATA_DIR and printed at start-up — only
 * those generated; secrets given in the environment are never printed or logged".
 */
const ENV_ADMIN = "adm_from_the_environment_0123456789";
const ENV_INGEST = `whsec_${Buffer.from("ingest secret from the environment!").toString("base64")}`;
const ENV_KEY = "ab".repeat(32);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cw-secrets-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const banner = (env: Parameters<typeof loadSecrets>[1]) => {
  const s = loadSecrets(dir, env);
  return { s, text: secretsBanner(s, secretsFile(dir)).join("\n") };
};

describe("the start-up banner's secrets", () => {
  it("never prints a secret given in the environment", () => {
    const { s, text } = banner({ ADMIN_TOKEN: ENV_ADMIN, INGEST_SECRET: ENV_INGEST, SECRET_KEY: ENV_KEY });
    expect(s).toMatchObject({ adminToken: ENV_ADMIN, ingestSecret: ENV_INGEST, secretKey: ENV_KEY, generated: [] });
    for (const secret of [ENV_ADMIN, ENV_INGEST, ENV_KEY]) expect(text).not.toContain(secret);
    // nor a recognisable piece of one
    for (const part of [ENV_ADMIN.slice(0, 12), ENV_INGEST.slice(6, 18), ENV_KEY.slice(0, 12)]) expect(text).not.toContain(part);
    expect(text).toContain("ADMIN_TOKEN   from the environment (not shown)");
    expect(text).toContain("INGEST_SECRET from the environment (not shown)");
    expect(text).not.toContain("generated");
  });

  it("prints the ones it generated, and says which", () => {
    const { s, text } = banner({ ADMIN_TOKEN: ENV_ADMIN });
    expect(s.generated).toEqual(["INGEST_SECRET", "SECRET_KEY"]);
    expect(text).not.toContain(ENV_ADMIN);
    expect(text).toContain(`INGEST_SECRET ${s.ingestSecret}`);
    expect(text).toContain("generated now: INGEST_SECRET, SECRET_KEY");
    // SECRET_KEY stays in the file: nothing outside the service needs it
    expect(text).not.toContain(s.secretKey);
    // only generated secrets go into the file, which only its owner can read
    const stored = JSON.parse(readFileSync(secretsFile(dir), "utf8"));
    expect(Object.keys(stored).sort()).toEqual(["INGEST_SECRET", "SECRET_KEY"]);
    expect(statSync(secretsFile(dir)).mode & 0o777).toBe(0o600);
  });

  it("prints secrets generated on an earlier start again (they were generated, and live in DATA_DIR)", () => {
    const first = banner({});
    const again = banner({});
    expect(again.s.generated).toEqual([]);
    expect(again.s.adminToken).toBe(first.s.adminToken);
    expect(again.text).toContain(`ADMIN_TOKEN   ${first.s.adminToken}`);
    expect(again.text).toContain(`INGEST_SECRET ${first.s.ingestSecret}`);
    expect(again.text).not.toContain("generated now");
    expect(again.text).not.toContain(first.s.secretKey);
  });

  it("a secret moved into the environment later is not printed, nor is the stored one it replaces", () => {
    const first = banner({});
    const later = banner({ ADMIN_TOKEN: ENV_ADMIN });
    expect(later.s.adminToken).toBe(ENV_ADMIN);
    expect(later.text).not.toContain(ENV_ADMIN);
    expect(later.text).not.toContain(first.s.adminToken);
    expect(later.text).toContain(`INGEST_SECRET ${first.s.ingestSecret}`);
  });
});
