import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes, toBase64, toHex } from "./lib/crypto";

export interface Secrets {
  adminToken: string;
  ingestSecret: string;
  secretKey: string;
  /** names of the secrets this run generated (printed at start-up) */
  generated: string[];
}

type Stored = Partial<Record<"ADMIN_TOKEN" | "INGEST_SECRET" | "SECRET_KEY", string>>;

export const secretsFile = (dataDir: string) => join(dataDir, "secrets.json");

export function readStoredSecrets(dataDir: string): Stored {
  const file = secretsFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Stored) : {};
}

/**
 * Secrets from the environment win; missing ones are generated once into DATA_DIR/secrets.json
 * (mode 0600) and reused on every restart, so `npm start` needs no configuration.
 */
export function loadSecrets(dataDir: string, env: Stored): Secrets {
  const stored = readStoredSecrets(dataDir);
  const generated: string[] = [];
  const pick = (name: keyof Stored, make: () => string) => {
    const v = env[name] ?? stored[name];
    if (v) return v;
    generated.push(name);
    stored[name] = make();
    return stored[name] as string;
  };
  const secrets = {
    adminToken: pick("ADMIN_TOKEN", () => `adm_${toHex(randomBytes(24))}`),
    ingestSecret: pick("INGEST_SECRET", () => `whsec_${toBase64(randomBytes(32))}`),
    secretKey: pick("SECRET_KEY", () => toHex(randomBytes(32))),
    generated,
  };
  if (generated.length) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(secretsFile(dataDir), `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  }
  return secrets;
}
