import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { newSigningSecret } from "../../src/lib/channel-secrets";
import { signWebhook, webhookKey, webhookSigningKey } from "../../src/lib/webhook-signature";

const bodies = [
  "",
  "{}",
  JSON.stringify({ type: "alert", data: { summary: "Conversations train models — ✓ ü 日本語 🎉", n: 1 } }),
  `{"a":"${"x".repeat(70_000)}"}`,
  JSON.stringify('line\nbreak\ttab \\ " quote \u2028'),
];

describe("signWebhook (node:crypto) is Standard Webhooks, byte for byte", () => {
  it("equals standardwebhooks' sign() and passes its verify(), with a KeyObject or raw key bytes", () => {
    for (const secret of [newSigningSecret(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]) {
      const wh = new Webhook(secret);
      const key = webhookSigningKey(secret);
      for (const [i, body] of bodies.entries()) {
        const id = `ntf_${i}_01JTX0ABCDEF`;
        const at = new Date(Date.now() - i * 1000);
        const ts = Math.floor(at.getTime() / 1000);
        const sig = signWebhook(key, id, ts, body);
        expect(sig).toBe(wh.sign(id, at, body));
        expect(signWebhook(webhookKey(secret), id, ts, body)).toBe(sig);
        const headers = { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": sig };
        // verify() parses the body as JSON (an empty one is accepted as nothing)
        expect(wh.verify(body, headers)).toEqual(body === "" ? undefined : JSON.parse(body));
        // another secret, another id or a changed body does not verify
        expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
        expect(() => wh.verify(body, { ...headers, "webhook-id": `${id}x` })).toThrow();
        expect(() => wh.verify(`${body} `, headers)).toThrow();
      }
    }
  });
});
