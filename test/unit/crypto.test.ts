import { describe, expect, it } from "vitest";
import {
  createKeys,
  decodeSecretKey,
  fromBase64Url,
  randomBytes,
  randomToken,
  sha256Hex,
  timingSafeEqualStr,
  toBase64Url,
  toHex,
} from "../../src/lib/crypto";

const secret = () => randomBytes(32);

describe("channel secret encryption", () => {
  it("round-trips any text, including unicode and the empty string", async () => {
    const keys = await createKeys(secret());
    for (const text of [
      "xoxb-123-abc",
      "",
      "ünïcødé 🔐",
      JSON.stringify({ url: "https://h.example/x?token=s3cr3t" }),
      "x".repeat(100_000),
    ]) {
      const sealed = await keys.encrypt(text);
      expect(sealed.startsWith("v1.")).toBe(true);
      expect(sealed).not.toContain(text || "\u0000");
      expect(await keys.decrypt(sealed)).toBe(text);
    }
  });

  it("uses a fresh IV: the same text encrypts differently every time", async () => {
    const keys = await createKeys(secret());
    const a = await keys.encrypt("same");
    const b = await keys.encrypt("same");
    expect(a).not.toBe(b);
    expect(fromBase64Url(a.slice(3)).slice(0, 12)).not.toEqual(fromBase64Url(b.slice(3)).slice(0, 12));
  });

  it("throws on any tampering: a flipped bit in the IV, the ciphertext or the tag, truncation, another key, another version", async () => {
    const keys = await createKeys(secret());
    const sealed = await keys.encrypt("xoxb-secret-token");
    const raw = fromBase64Url(sealed.slice(3));
    const flipped = (i: number) => {
      const copy = raw.slice();
      copy[i] ^= 0x01;
      return `v1.${toBase64Url(copy)}`;
    };
    const tampered = [
      flipped(0), // IV
      flipped(12), // first ciphertext byte
      flipped(raw.length - 1), // tag
      `v1.${toBase64Url(raw.slice(0, raw.length - 1))}`,
      `v1.${toBase64Url(raw.slice(0, 11))}`,
      "v1.",
      `v2.${sealed.slice(3)}`,
      sealed.slice(3),
    ];
    for (const t of tampered) await expect(keys.decrypt(t), t).rejects.toThrow();
    const other = await createKeys(secret());
    await expect(other.decrypt(sealed)).rejects.toThrow();
    expect(await keys.decrypt(sealed)).toBe("xoxb-secret-token");
  });

  it("the same SECRET_KEY bytes give keys that read each other's ciphertext", async () => {
    const bytes = secret();
    const sealed = await (await createKeys(bytes)).encrypt("kept across restarts");
    expect(await (await createKeys(bytes.slice())).decrypt(sealed)).toBe("kept across restarts");
  });
});

describe("HMAC signatures", () => {
  it("verify what was signed and nothing else", async () => {
    const keys = await createKeys(secret());
    const sig = await keys.sign("message");
    expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await keys.verify("message", sig)).toBe(true);
    expect(await keys.verify("message!", sig)).toBe(false);
    expect(await keys.verify("message", `${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`)).toBe(false);
    expect(await keys.verify("message", "")).toBe(false);
    expect(await keys.verify("message", "not base64 !!")).toBe(false);
    expect(await (await createKeys(secret())).verify("message", sig)).toBe(false);
  });

  it("signing and encryption keys are separate (HKDF), so a signature is not a MAC of the cipher key", async () => {
    const bytes = secret();
    const keys = await createKeys(bytes);
    // an HMAC under the raw SECRET_KEY (what a non-derived design would produce) does not verify
    const rawKey = await crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const rawSig = toBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", rawKey, new TextEncoder().encode("m"))));
    expect(await keys.verify("m", rawSig)).toBe(false);
  });
});

describe("helpers", () => {
  it("random tokens are url-safe, as long as asked and never repeat", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const t = randomToken(32);
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      seen.add(t);
    }
    expect(seen.size).toBe(200);
    expect(fromBase64Url(randomToken(16))).toHaveLength(16);
  });

  it("base64url round-trips every byte value", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(fromBase64Url(toBase64Url(all))).toEqual(all);
    expect(toBase64Url(all)).not.toMatch(/[+/=]/);
  });

  it("sha256Hex is the standard digest", async () => {
    expect(await sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(toHex(new Uint8Array([0, 15, 255]))).toBe("000fff");
  });

  it("timingSafeEqualStr compares exactly", async () => {
    expect(await timingSafeEqualStr("token-123", "token-123")).toBe(true);
    expect(await timingSafeEqualStr("token-123", "token-124")).toBe(false);
    expect(await timingSafeEqualStr("token-123", "token-1234")).toBe(false);
    expect(await timingSafeEqualStr("", "")).toBe(true);
  });

  it("decodeSecretKey reads hex and base64(url)", () => {
    const bytes = randomBytes(32);
    expect(decodeSecretKey(toHex(bytes))).toEqual(bytes);
    expect(decodeSecretKey(Buffer.from(bytes).toString("base64"))).toEqual(bytes);
    expect(decodeSecretKey(Buffer.from(bytes).toString("base64url"))).toEqual(bytes);
  });
});
