import { describe, expect, it } from "vitest";
import { createKeys, randomBytes } from "../../src/lib/crypto";
import { createNodeKeys } from "../../src/lib/crypto-node";
import { signToken, verifyToken } from "../../src/lib/tokens";

const secret = randomBytes(32);

describe("createNodeKeys (node:crypto) is interchangeable with createKeys (WebCrypto)", () => {
  it("each opens what the other sealed, and refuses a tampered ciphertext", async () => {
    const web = await createKeys(secret);
    const node = createNodeKeys(secret);
    const text = JSON.stringify({ url: "https://hooks.example.com/x", signing_secret: "whsec_abc", note: "✓ ü 🎉" });
    expect(await node.decrypt(await web.encrypt(text))).toBe(text);
    expect(await web.decrypt(await node.encrypt(text))).toBe(text);
    expect(await node.decrypt(await node.encrypt(""))).toBe("");

    const sealed = await web.encrypt(text);
    const tampered = `${sealed.slice(0, -2)}${sealed.at(-2) === "A" ? "B" : "A"}${sealed.at(-1)}`;
    await expect(node.decrypt(tampered)).rejects.toThrow();
    await expect(node.decrypt("v2.abc")).rejects.toThrow(/version/);
    // a different SECRET_KEY cannot open it
    await expect(createNodeKeys(randomBytes(32)).decrypt(sealed)).rejects.toThrow();
  });

  it("signs the same bytes; each verifies the other's signatures and only the canonical spelling", async () => {
    const web = await createKeys(secret);
    const node = createNodeKeys(secret);
    for (const m of ["", "eyJwIjoicHJlZmVyZW5jZXMifQ", "ünïcødé ✓"]) {
      const s = await node.sign(m);
      expect(s).toBe(await web.sign(m));
      expect(await web.verify(m, s)).toBe(true);
      expect(await node.verify(m, s)).toBe(true);
      expect(await node.verify(`${m}x`, s)).toBe(false);
      // padding, a character outside the alphabet, a truncation: refused by both
      for (const bad of [`${s}=`, `${s.slice(0, 10)}*${s.slice(11)}`, s.slice(0, -1), `${s}A`]) {
        expect(await node.verify(m, bad)).toBe(false);
        expect(await web.verify(m, bad)).toBe(false);
      }
    }
    expect(await node.auditHmac("row 1")).toBe(await web.auditHmac("row 1"));
  });

  it("tokens minted by one verify with the other", async () => {
    const web = await createKeys(secret);
    const node = createNodeKeys(secret);
    const now = new Date("2026-05-09T14:00:00Z");
    const claims = { p: "unsubscribe" as const, s: "usr_1", e: Math.floor(now.getTime() / 1000) + 60, x: "alerts" };
    const token = await signToken(node, claims);
    expect(token).toBe(await signToken(web, claims));
    expect(await verifyToken(web, "unsubscribe", token, now)).toEqual(claims);
    expect(await verifyToken(node, "unsubscribe", await signToken(web, claims), now)).toEqual(claims);
    expect(await verifyToken(node, "manage", token, now)).toBeNull();
  });
});
