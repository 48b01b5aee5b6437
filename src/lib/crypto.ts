/**
 * Crypto on Web Crypto only, so the same code runs on Node and Workers.
 * One SECRET_KEY feeds two derived keys (HKDF): AES-256-GCM for channel secrets and HMAC-SHA256
 * for signed tokens, so a token can never be used to forge ciphertext or the reverse.
 */
const enc = new TextEncoder();
const dec = new TextDecoder();

export function toBase64Url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(s: string): Uint8Array<ArrayBuffer> {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}

export function randomToken(bytes = 32): string {
  return toBase64Url(randomBytes(bytes));
}

export async function sha256Hex(input: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const data = typeof input === "string" ? enc.encode(input) : input;
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", data)));
}

/** Constant-time comparison of two strings (compares digests, so lengths leak nothing). */
export async function timingSafeEqualStr(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([sha256Hex(a), sha256Hex(b)]);
  let diff = 0;
  for (let i = 0; i < da.length; i++) diff |= da.charCodeAt(i) ^ db.charCodeAt(i);
  return diff === 0;
}

export interface Keys {
  encrypt(plaintext: string): Promise<string>;
  decrypt(ciphertext: string): Promise<string>;
  sign(message: string): Promise<string>;
  verify(message: string, signature: string): Promise<boolean>;
  /**
   * Hex HMAC-SHA256 for audit export digests, under a key of its own: the lower-case hex text of
   * HKDF(SECRET_KEY, salt `clausewatch`, info `audit-exports`, 32 bytes). Text, so an auditor the
   * operator gives it to (never SECRET_KEY itself) checks with `openssl dgst -sha256 -hmac KEY`.
   */
  auditHmac(message: string): Promise<string>;
}

/** HKDF parameters of the audit-export HMAC key, spelled out for auditors in docs/audit-export.md. */
export const AUDIT_HKDF_INFO = "audit-exports";
export const HKDF_SALT = "clausewatch";

async function hkdf(secret: Uint8Array<ArrayBuffer>, info: string, usage: "aes" | "hmac"): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveKey"]);
  const params = { name: "HKDF", hash: "SHA-256", salt: enc.encode(HKDF_SALT), info: enc.encode(info) };
  return usage === "aes"
    ? crypto.subtle.deriveKey(params, base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"])
    : crypto.subtle.deriveKey(params, base, { name: "HMAC", hash: "SHA-256", length: 256 }, false, ["sign", "verify"]);
}

/** The audit-export HMAC key (see Keys.auditHmac): HKDF output as hex text, imported as the HMAC key. */
async function auditKey(secret: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveBits"]);
  const params = { name: "HKDF", hash: "SHA-256", salt: enc.encode(HKDF_SALT), info: enc.encode(AUDIT_HKDF_INFO) };
  const hex = toHex(new Uint8Array(await crypto.subtle.deriveBits(params, base, 256)));
  return crypto.subtle.importKey("raw", enc.encode(hex), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/** Decodes SECRET_KEY (hex or base64) into raw bytes. */
export function decodeSecretKey(value: string): Uint8Array<ArrayBuffer> {
  if (/^[0-9a-fA-F]+$/.test(value) && value.length % 2 === 0) {
    return Uint8Array.from(value.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
  }
  return fromBase64Url(value.replace(/=+$/, ""));
}

/**
 * @example const keys = await createKeys(secretKeyBytes); const c = await keys.encrypt("xoxb-…");
 */
export async function createKeys(secret: Uint8Array<ArrayBuffer>): Promise<Keys> {
  const aes = await hkdf(secret, "channel-secrets", "aes");
  const hmac = await hkdf(secret, "signed-tokens", "hmac");
  const audit = await auditKey(secret);
  return {
    async encrypt(plaintext) {
      const iv = randomBytes(12);
      const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, aes, enc.encode(plaintext)));
      const out = new Uint8Array(iv.length + ct.length);
      out.set(iv);
      out.set(ct, iv.length);
      return `v1.${toBase64Url(out)}`;
    },
    async decrypt(ciphertext) {
      if (!ciphertext.startsWith("v1.")) throw new Error("unknown ciphertext version");
      const raw = fromBase64Url(ciphertext.slice(3));
      const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: raw.slice(0, 12) }, aes, raw.slice(12));
      return dec.decode(pt);
    },
    async sign(message) {
      return toBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", hmac, enc.encode(message))));
    },
    async verify(message, signature) {
      let sig: Uint8Array<ArrayBuffer>;
      try {
        sig = fromBase64Url(signature);
      } catch {
        return false;
      }
      // Only the canonical spelling verifies: padding or spare low bits in the last character
      // would otherwise give one signature many accepted forms.
      if (toBase64Url(sig) !== signature) return false;
      // subtle.verify compares in constant time.
      return crypto.subtle.verify("HMAC", hmac, sig, enc.encode(message));
    },
    async auditHmac(message) {
      return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", audit, enc.encode(message))));
    },
  };
}
