import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { render } from "@react-email/render";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import SignInLink from "../../emails/SignInLink";
import SignupConfirm from "../../emails/SignupConfirm";
import TrialEnding from "../../emails/TrialEnding";
import VerifyEmail from "../../emails/VerifyEmail";
import Welcome from "../../emails/Welcome";
import { emailElement } from "../../src/delivery/render/email";
import { createChannels } from "../../src/delivery/setup";
import type { OutboundMessage } from "../../src/delivery/types";
import type { MessageContent } from "../../src/lib/messages";
import { type FakeResend, startFakeResend } from "../fakes/resend";
import { digestContent, links, outbound, summariesOf } from "../helpers/messages";

/**
 * Gmail's and Yahoo's bulk-sender rules, for every email template as the service renders and
 * sends it (setup.ts → Resend channel → render/email.ts): a plain-text part, one-click
 * unsubscribe (List-Unsubscribe + List-Unsubscribe-Post, RFC 8058), a List-Id (RFC 2919), and a
 * stable From per message kind.
 */
const FROM = "clausewatch <alerts@clausewatch.test>";
const { links: _tl, timeZone: _tz, ...trial } = TrialEnding.PreviewProps;
const { links: _vl, timeZone: _vz, ...verify } = VerifyEmail.PreviewProps;
const { links: _sl, timeZone: _sz, ...signIn } = SignInLink.PreviewProps;
const { links: _cl, timeZone: _cz, ...signupConfirm } = SignupConfirm.PreviewProps;
const { links: _wl, timeZone: _wz, ...welcome } = Welcome.PreviewProps;

const contents: Record<string, MessageContent> = {
  alert: { kind: "alert", events: summariesOf("professional") },
  digest: digestContent("professional"),
  test: { kind: "test" },
  trial_ending: { kind: "notice", notice: "trial_ending", ...trial },
  verify_email: { kind: "notice", notice: "verify_email", ...verify },
  sign_in_link: { kind: "notice", notice: "sign_in_link", ...signIn },
  signup_confirm: { kind: "notice", notice: "signup_confirm", ...signupConfirm },
  welcome: { kind: "notice", notice: "welcome", ...welcome },
};

const message = (name: string, n: number): OutboundMessage => ({
  ...outbound(contents[name]),
  id: `ntf_${name}_${n}`,
});

let resend: FakeResend;
beforeAll(async () => {
  resend = await startFakeResend({ ratePerSecond: 1000 });
});
afterAll(() => resend.close());

describe("every email passes the bulk-sender basics", () => {
  it("every template in emails/ is one the renderer sends (so none escapes this test)", async () => {
    const dir = fileURLToPath(new URL("../../emails/", import.meta.url));
    const templates = await Promise.all(
      readdirSync(dir)
        .filter((f) => f.endsWith(".tsx"))
        .map(async (f) => (await import(`../../emails/${f.slice(0, -4)}.tsx`)).default as unknown),
    );
    const used = new Set(Object.keys(contents).map((name) => emailElement(message(name, 0)).type));
    expect(templates.length).toBeGreaterThanOrEqual(5);
    for (const t of templates) expect(used.has(t as never)).toBe(true);
  });

  it.each(Object.keys(contents))("%s: text part, List-Unsubscribe(-Post), List-Id and the one From", async (name) => {
    const channels = createChannels({
      publicUrl: "https://clausewatch.test",
      dataDir: "/nonexistent",
      emailFrom: FROM,
      resendApiKey: "re_test_key",
      resendBaseUrl: resend.url,
      resendRatePerSecond: 1000,
      allowPrivateWebhookTargets: false,
    });
    const sent = [];
    for (const n of [1, 2]) {
      const msg = message(name, n);
      expect(await channels.email.send(msg)).toMatchObject({ kind: "sent" });
      sent.push(resend.emails.find((e) => e.idempotencyKey === msg.id));
    }
    for (const email of sent) {
      expect(email?.html).toMatch(/^<!DOCTYPE html/i);
      expect(email?.text?.length).toBeGreaterThan(100);
      expect(email?.text).not.toMatch(/<[a-z][^>]*>/i);
      // a confirmation goes to an address not yet the account's: no way in (no manage link)
      if (name === "verify_email" || name === "signup_confirm") expect(email?.text).not.toContain(links.manage);
      else expect(email?.text).toContain(links.manage);
      expect(email?.headers).toMatchObject({
        "List-Unsubscribe": `<${links.unsubscribe}>`,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": expect.stringMatching(/^clausewatch [a-z]+ <[a-z]+\.clausewatch\.test>$/),
      });
      // EMAIL_FROM is one mailbox for every kind (setup.ts): stable per kind by construction
      expect(email?.from).toBe(FROM);
    }
    // stable per kind: the same kind gets the same list and sender every time
    expect(sent[1]?.headers?.["List-Id"]).toBe(sent[0]?.headers?.["List-Id"]);
    expect(sent[1]?.from).toBe(sent[0]?.from);
  });

  it("the confirmation email's text part carries its link and says what happens if ignored", async () => {
    const text = await render(<VerifyEmail {...VerifyEmail.PreviewProps} />, { plainText: true });
    expect(text).toContain(VerifyEmail.PreviewProps.verify_url);
    expect(text).toContain("nothing more will be sent here");
  });
});
