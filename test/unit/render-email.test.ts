import { render } from "@react-email/render";
import { describe, expect, it } from "vitest";
import { createEmailRenderer, emailElement, TEXT_OPTIONS } from "../../src/delivery/render/email";
import type { OutboundMessage } from "../../src/delivery/types";
import { fixtures } from "../helpers/events";
import { alertMessage, digestContent, links, outbound } from "../helpers/messages";

const renderEmail = createEmailRenderer({ publicUrl: "https://app.clausewatch.test:8443/base" });
const f = fixtures;

describe("email subjects", () => {
  it("a single-event alert names the severity, platform, document and what happened", async () => {
    expect((await renderEmail(alertMessage("watcher", [f["01-anthropic-ai-training"]]))).subject).toBe(
      "[High] Anthropic · Claude.ai Terms of Service changed",
    );
    expect((await renderEmail(alertMessage("free", [f["06-openai-new-document"]]))).subject).toBe(
      "[Low] OpenAI · OpenAI Usage Policies added",
    );
    const removed = { ...f["06-openai-new-document"], type: "document.removed" as const, severity: "medium" as const };
    expect((await renderEmail(alertMessage("professional", [removed]))).subject).toBe(
      "[Medium] OpenAI · OpenAI Usage Policies removed",
    );
  });

  it("a grouped alert counts the events and leads with the highest severity", async () => {
    const msg = alertMessage("watcher", [
      f["03-netflix-ai-prohibition"],
      f["05-anthropic-arbitration"],
      f["02-ideogram-training"],
    ]);
    expect((await renderEmail(msg)).subject).toBe("[Critical] 3 changes on your watchlist");
  });

  it("digest and test subjects", async () => {
    const digest = await renderEmail(outbound(digestContent("watcher")));
    expect(digest.subject).toBe("Your clausewatch weekly digest: 6 changes, 5 platforms");
    const one = digestContent("free", [f["02-ideogram-training"]]);
    expect((await renderEmail(outbound(one, "free"))).subject).toBe("Your clausewatch weekly digest: 1 change, 1 platform");
    const quiet = { ...one, watchlist: [], highlights: [], coverage: { events: 0, platforms: 0 } };
    expect((await renderEmail(outbound(quiet, "free"))).subject).toBe("Your clausewatch weekly digest: no changes this week");
    expect((await renderEmail(outbound({ kind: "test" }))).subject).toBe("clausewatch test message");
  });

  it("stays on one line whatever the names contain", async () => {
    const e = { ...f["02-ideogram-training"], platform: { slug: "x", name: "Evil\r\nBcc: someone@example.com" } };
    const { subject } = await renderEmail(alertMessage("watcher", [e]));
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toBe("[Medium] Evil Bcc: someone@example.com · Ideogram Terms of Service changed");
  });
});

describe("email headers", () => {
  const kinds: [string, OutboundMessage][] = [
    ["alert", alertMessage("watcher", [f["01-anthropic-ai-training"]])],
    ["digest", outbound(digestContent("watcher"))],
    ["test", outbound({ kind: "test" })],
  ];

  it("one-click unsubscribe (RFC 8058) and a List-Id per message kind, on the PUBLIC_URL host", async () => {
    const ids = new Set<string>();
    for (const [kind, msg] of kinds) {
      const { headers } = await renderEmail(msg);
      expect(headers["List-Unsubscribe"]).toBe(`<${links.unsubscribe}>`);
      expect(headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
      expect(headers["List-Id"]).toBe(`clausewatch ${kind}s <${kind}s.app.clausewatch.test>`);
      ids.add(headers["List-Id"]);
    }
    expect(ids.size).toBe(3);
    const local = await createEmailRenderer({ publicUrl: "http://localhost:8787" })(kinds[0][1]);
    expect(local.headers["List-Id"]).toBe("clausewatch alerts <alerts.localhost>");
  });
});

describe("email parts", () => {
  it("the text part is React Email's plain-text render of the same template", async () => {
    for (const msg of [
      alertMessage("professional", Object.values(f)),
      outbound(digestContent("professional")),
      outbound({ kind: "test" }),
    ]) {
      const email = await renderEmail(msg);
      expect(email.text).toBe(await render(emailElement(msg), { plainText: true, htmlToTextOptions: TEXT_OPTIONS }));
      expect(email.text).not.toMatch(/<\/?[a-z][^>]*>/i);
      expect(email.text).toContain(links.manage);
      expect(email.text).toContain(links.unsubscribe);
      expect(email.html).toMatch(/^<!DOCTYPE html/);
      expect(email.html).toContain(`href="${links.manage}"`);
    }
  });

  it("renders the reader's dates in their own zone", async () => {
    const late = { ...f["02-ideogram-training"], occurred_at: "2026-05-11T23:30:00Z" };
    const msg = alertMessage("watcher", [late]);
    expect((await renderEmail(msg)).text).toContain("changed on 12 May 2026"); // Europe/Berlin
    const utc = { ...msg, user: { ...msg.user, timezone: "UTC" } };
    expect((await renderEmail(utc)).text).toContain("changed on 11 May 2026");
  });
});
