import { describe, expect, it } from "vitest";
import { createKeys, fromBase64Url, randomBytes, toBase64Url } from "../../src/lib/crypto";
import { signToken, type TokenClaims, verifyToken } from "../../src/lib/tokens";

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const now = new Date("2026-05-09T14:00:00Z");
const inAnHour = Math.floor(now.getTime() / 1000) + 3600;
const claims: TokenClaims = { p: "preferences", s: "usr_123", e: inAnHour };

describe("signed tokens", () => {
  it("verify for their purpose until they expire", async () => {
    const keys = await createKeys(randomBytes(32));
    const token = await signToken(keys, { ...claims, x: "alerts" });
    expect(await verifyToken(keys, "preferences", token, now)).toEqual({ ...claims, x: "alerts" });
    expect(await verifyToken(keys, "preferences", token, new Date(inAnHour * 1000 - 1))).not.toBeNull();
  });

  it("a token of another purpose → null", async () => {
    const keys = await createKeys(randomBytes(32));
    const token = await signToken(keys, claims);
    for (const purpose of ["unsubscribe", "verify-email", "slack-state"] as const) {
      expect(await verifyToken(keys, purpose, token, now), purpose).toBeNull();
    }
  });

  it("an expired token → null (at the second it expires, and after)", async () => {
    const keys = await createKeys(randomBytes(32));
    const token = await signToken(keys, claims);
    expect(await verifyToken(keys, "preferences", token, new Date(inAnHour * 1000))).toBeNull();
    expect(await verifyToken(keys, "preferences", token, new Date(inAnHour * 1000 + 86_400_000))).toBeNull();
    const old = await signToken(keys, { ...claims, e: Math.floor(now.getTime() / 1000) - 1 });
    expect(await verifyToken(keys, "preferences", old, now)).toBeNull();
  });

  it("a tampered token → null", async () => {
    const keys = await createKeys(randomBytes(32));
    const token = await signToken(keys, claims);
    const [body, sig] = token.split(".");
    const reclaim = (c: unknown) => toBase64Url(new TextEncoder().encode(JSON.stringify(c)));
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
    const tampered = [
      `${reclaim({ ...claims, s: "usr_other" })}.${sig}`, // another subject
      `${reclaim({ ...claims, e: inAnHour + 86_400 * 365 })}.${sig}`, // a later expiry
      `${reclaim({ ...claims, p: "unsubscribe" })}.${sig}`, // another purpose
      `${flip(body, 3)}.${sig}`,
      `${body}.${flip(sig, 5)}`,
      `${body}.`,
      `.${sig}`,
      body,
      `${token}.extra`,
      `${body}.${sig}=`,
      "",
      "a.b",
      "x".repeat(2001),
      `${body}.${sig.slice(0, -2)}`,
      // the same signature bytes spelled differently (spare low bits of the last character)
      `${body}.${sig.slice(0, -1)}${B64URL[B64URL.indexOf(sig[sig.length - 1]) ^ 1]}`,
    ];
    for (const t of tampered) expect(await verifyToken(keys, "preferences", t, now), t).toBeNull();
    // and the untouched one still verifies
    expect(await verifyToken(keys, "preferences", token, now)).not.toBeNull();
  });

  it("a token signed with another key → null", async () => {
    const token = await signToken(await createKeys(randomBytes(32)), claims);
    expect(await verifyToken(await createKeys(randomBytes(32)), "preferences", token, now)).toBeNull();
  });

  it("signed claims of the wrong shape → null, never a throw", async () => {
    const keys = await createKeys(randomBytes(32));
    const forge = async (payload: string) => {
      const body = toBase64Url(new TextEncoder().encode(payload));
      return `${body}.${await keys.sign(body)}`;
    };
    for (const payload of [
      "not json",
      "null",
      "[]",
      JSON.stringify({ p: "preferences", s: 123, e: inAnHour }),
      JSON.stringify({ p: "preferences", s: "usr_1", e: String(inAnHour) }),
      JSON.stringify({ p: "preferences", s: "usr_1" }),
    ]) {
      expect(await verifyToken(keys, "preferences", await forge(payload), now), payload).toBeNull();
    }
    expect(new TextDecoder().decode(fromBase64Url((await signToken(keys, claims)).split(".")[0]))).toBe(JSON.stringify(claims));
  });
});
