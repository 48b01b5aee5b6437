import { createHmac, hkdfSync } from "node:crypto";
import { render } from "@react-email/render";
import { describe, expect, it } from "vitest";
import { previewLinks } from "../../emails/components/preview-data";
import TrialEnding from "../../emails/TrialEnding";
import { createEmailRenderer, TEXT_OPTIONS } from "../../src/delivery/render/email";
import { renderSlack } from "../../src/delivery/render/slack";
import { renderWebhook } from "../../src/delivery/render/webhook";
import { createKeys, randomBytes } from "../../src/lib/crypto";
import type { NoticeContent } from "../../src/lib/messages";
import { outbound } from "../helpers/messages";

const notice: NoticeContent = {
  kind: "notice",
  notice: "trial_ending",
  trial_ends_at: "2026-05-22T22:30:00.000Z",
  trial_tier: "watcher",
  tier_after: "free",
  watches: [
    { platform: "anthropic", document: "claudeai-terms-of-service", provision: null, min_severity: "high", categories: null },
    { platform: "*", document: null, provision: null, min_severity: null, categories: ["arbitration", "data-rights"] },
  ],
  more_watches: 3,
  channels: [{ type: "slack", target: "#legal" }],
  more_channels: 0,
  alerts_end: true,
};
const msg = { ...outbound(notice, "watcher"), kind: "notice" as const };

describe("the trial-ending notice", () => {
  it("TrialEnding renders with its PreviewProps: both parts, both footer links, nothing external", async () => {
    const el = <TrialEnding {...TrialEnding.PreviewProps} />;
    const html = await render(el);
    const text = await render(el, { plainText: true, htmlToTextOptions: TEXT_OPTIONS });
    expect(html).toContain("Your Watcher trial ends on 22 May 2026");
    expect(text).toContain("2 watches will pause");
    expect(text).toContain("anthropic › claudeai-terms-of-service (high and above)");
    expect(text).toContain("1 channel will pause");
    expect(text).toContain("Nothing is deleted");
    for (const l of [previewLinks.manage, previewLinks.unsubscribe]) {
      expect(html).toContain(`href="${l}"`);
      expect(text).toContain(l);
    }
    expect(html).not.toMatch(/<img|<link|@import|@font-face|url\(/i);
  });

  it("says when nothing pauses", async () => {
    const text = await render(<TrialEnding {...TrialEnding.PreviewProps} watches={[]} channels={[]} alerts_end={false} />, {
      plainText: true,
      htmlToTextOptions: TEXT_OPTIONS,
    });
    expect(text).toContain("no watch pauses");
    expect(text).not.toContain("will pause");
    expect(text).not.toContain("Same-day alerts stop");
  });

  it("email: subject counts what pauses, the date is the reader's, List-Id names notices", async () => {
    const email = await createEmailRenderer({ publicUrl: "https://clausewatch.test" })(msg);
    expect(email.subject).toBe("Your clausewatch Watcher trial is ending: 5 watches and 1 channel will pause");
    // 22:30 UTC is already the 23rd in Berlin (the reader's zone in these messages)
    expect(email.text).toContain("Your Watcher trial ends on 23 May 2026");
    expect(email.text).toContain("every platform (categories: arbitration, data-rights)");
    expect(email.text).toContain("…and 3 more");
    expect(email.text).toContain("Slack: #legal");
    expect(email.headers["List-Id"]).toBe("clausewatch notices <notices.clausewatch.test>");
    expect(email.headers["List-Unsubscribe"]).toBe(`<${msg.links.unsubscribe}>`);
  });

  it("a Professional trial is named as one in the subject, the email and Slack", async () => {
    const pro = { ...msg, content: { ...notice, trial_tier: "professional" as const } };
    const email = await createEmailRenderer({ publicUrl: "https://clausewatch.test" })(pro);
    expect(email.subject).toBe("Your clausewatch Professional trial is ending: 5 watches and 1 channel will pause");
    expect(email.text).toContain("Your Professional trial ends on 23 May 2026");
    expect(email.text).toContain("is on a Professional trial");
    expect(email.text).not.toContain("Watcher");
    expect(JSON.stringify(renderSlack(pro).blocks)).toContain("Your Professional trial ends on");
  });

  it("Slack and webhook receivers get the same facts", () => {
    const slack = renderSlack(msg);
    expect(slack.text).toBe("Your clausewatch Watcher trial is ending: 5 watches and 1 channel will pause");
    const all = JSON.stringify(slack.blocks);
    expect(all).toContain("Watches that will pause");
    expect(all).toContain("…and 3 more");
    expect(slack.blocks.length).toBeLessThanOrEqual(50);
    const body = JSON.parse(JSON.stringify(renderWebhook(msg)));
    expect(body).toEqual({
      type: "notice",
      id: msg.id,
      created_at: "2026-05-15T09:00:00.000Z",
      data: { ...notice, kind: undefined },
    });
  });
});

describe("the audit-export HMAC", () => {
  it("is HMAC-SHA256 under HKDF(SECRET_KEY, salt clausewatch, info audit-exports): checkable without the app", async () => {
    const secret = randomBytes(32);
    const keys = await createKeys(secret);
    const digest = "a".repeat(64);
    const auditKey = Buffer.from(hkdfSync("sha256", secret, "clausewatch", "audit-exports", 32)).toString("hex");
    expect(await keys.auditHmac(digest)).toBe(createHmac("sha256", auditKey).update(digest).digest("hex"));
    // a key of its own: not SECRET_KEY itself, not the token key
    expect(await keys.auditHmac(digest)).not.toBe(createHmac("sha256", Buffer.from(secret)).update(digest).digest("hex"));
    expect(await keys.auditHmac(digest)).not.toBe(Buffer.from(await keys.sign(digest), "base64url").toString("hex"));
  });
});
