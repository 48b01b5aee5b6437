import { Buffer } from "node:buffer";
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { AUDIT_HKDF_INFO, HKDF_SALT, type Keys } from "./crypto";

/**
 * `Keys` on `node:crypto`, for the Node process only (src/index.ts, scripts, benchmarks): the
 * dispatcher signs two link tokens and opens channel secrets for every message, and WebCrypto's
 * promise per call costs several times the HMAC itself. Byte for byte the same keys, ciphertexts
 * and tokens as `createKeys` in crypto.ts (test/unit/crypto-node.test.ts checks both ways), so
 * either can read what the other wrote. Never imported from app.ts paths: the Workers build keeps
 * crypto.ts (WebCrypto).
 *
 * @example const keys = createNodeKeys(decodeSecretKey(env.SECRET_KEY));
 */
export function createNodeKeys(secret: Uint8Array): Keys {
  // HKDF-SHA256 with the salt and infos crypto.ts uses; 32 bytes = AES-256 / a 256-bit HMAC key
  const derive = (info: string) => Buffer.from(hkdfSync("sha256", secret, HKDF_SALT, info, 32));
  const aes = createSecretKey(derive("channel-secrets"));
  const hmac = createSecretKey(derive("signed-tokens"));
  // the audit key is the HKDF output's lower-case hex text (see Keys.auditHmac)
  const audit = createSecretKey(Buffer.from(derive(AUDIT_HKDF_INFO).toString("hex"), "utf8"));
  const mac = (message: string) => createHmac("sha256", hmac).update(message, "utf8").digest();

  return {
    async encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", aes, iv);
      // WebCrypto's AES-GCM output is ciphertext followed by the 16-byte tag
      const out = Buffer.concat([iv, cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
      return `v1.${out.toString("base64url")}`;
    },
    async decrypt(ciphertext) {
      if (!ciphertext.startsWith("v1.")) throw new Error("unknown ciphertext version");
      const raw = Buffer.from(ciphertext.slice(3), "base64url");
      if (raw.length < 12 + 16) throw new Error("ciphertext too short");
      const decipher = createDecipheriv("aes-256-gcm", aes, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString("utf8");
    },
    async sign(message) {
      return mac(message).toString("base64url");
    },
    async verify(message, signature) {
      const sig = Buffer.from(signature, "base64url");
      // Only the canonical spelling verifies (as in crypto.ts): Buffer skips characters outside
      // the alphabet, and re-encoding shows both that and padding or spare low bits.
      if (sig.toString("base64url") !== signature) return false;
      const expected = mac(message);
      return sig.length === expected.length && timingSafeEqual(sig, expected);
    },
    async auditHmac(message) {
      return createHmac("sha256", audit).update(message, "utf8").digest("hex");
    },
  };
}
