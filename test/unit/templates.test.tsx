import { render } from "@react-email/render";
import type { ReactElement } from "react";
import { describe, expect, it } from "vitest";
import AlertEmail from "../../emails/AlertEmail";
import { previewLinks } from "../../emails/components/preview-data";
import SignInLink from "../../emails/SignInLink";
import SignupConfirm from "../../emails/SignupConfirm";
import TestEmail from "../../emails/TestEmail";
import TrialEnding from "../../emails/TrialEnding";
import VerifyEmail from "../../emails/VerifyEmail";
import WeeklyDigest from "../../emails/WeeklyDigest";
import Welcome from "../../emails/Welcome";
import { TEXT_OPTIONS } from "../../src/delivery/render/email";
import { fixtures } from "../helpers/events";
import { digestContent, links, manyEvents, summariesOf } from "../helpers/messages";

/** The text part as the email renderer makes it (headings keep their case). */
const plainText = (el: ReactElement) => render(el, { plainText: true, htmlToTextOptions: TEXT_OPTIONS });

/** `manage: false`: the email goes to an address that is not the account's, so it has no manage link. */
const cases: { name: string; element: ReactElement; html: string[]; text: string[]; manage?: false }[] = [
  {
    name: "AlertEmail",
    element: <AlertEmail {...AlertEmail.PreviewProps} />,
    html: ["3 changes on your watchlist", "Claude.ai Terms of Service", "Dispute Resolution and Arbitration", "Critical"],
    text: ["Added: Dispute Resolution and Arbitration", "Before:", "Regulations: FTC Act", "SHA-256 5e6f708192a3"],
  },
  {
    name: "WeeklyDigest",
    element: <WeeklyDigest {...WeeklyDigest.PreviewProps} />,
    html: ["Your clausewatch weekly digest", "Highlights", "Your watchlist", "Regulatory exposure", "Coverage"],
    text: ["4 changes across 3 platforms this week", "Anthropic (2 changes)", "GDPR: 2 changes", "8 – 15 May 2026"],
  },
  {
    name: "TestEmail",
    element: <TestEmail {...TestEmail.PreviewProps} />,
    html: ["clausewatch test message"],
    text: ["This is a test message from clausewatch"],
  },
  {
    name: "TrialEnding",
    element: <TrialEnding {...TrialEnding.PreviewProps} />,
    html: ["will pause", "Review your watchlist and channels"],
    text: ["anthropic", "https://hooks.example.com/"],
  },
  {
    name: "VerifyEmail",
    element: <VerifyEmail {...VerifyEmail.PreviewProps} />,
    html: ["Confirm this address", VerifyEmail.PreviewProps.verify_url],
    text: ["team-legal@example.com", VerifyEmail.PreviewProps.verify_url],
    manage: false,
  },
  {
    name: "SignInLink",
    element: <SignInLink {...SignInLink.PreviewProps} />,
    html: ["Open my preferences", "Your clausewatch sign-in link"],
    text: ["Do not forward it", SignInLink.PreviewProps.sign_in_url],
  },
  {
    name: "SignupConfirm",
    element: <SignupConfirm {...SignupConfirm.PreviewProps} />,
    html: ["Confirm sign-up", SignupConfirm.PreviewProps.confirm_url],
    text: ["a free account with a 14-day Watcher trial for dana@example.com", "works once, until 16 May 2026, 10:00 BST"],
    manage: false,
  },
  {
    name: "Welcome",
    element: <Welcome {...Welcome.PreviewProps} />,
    html: ["Welcome to clausewatch", "Open my preferences", Welcome.PreviewProps.sign_in_url],
    text: ["Your account watches anthropic", "Your Watcher trial runs until 29 May 2026"],
  },
];

describe("every template renders with its PreviewProps", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const html = await render(c.element);
      const text = await plainText(c.element);
      expect(html.length).toBeGreaterThan(1000);
      expect(html).toContain('lang="en"');
      for (const s of c.html) expect(html).toContain(s);
      for (const s of c.text) expect(text).toContain(s);
      // footer: both links, in both parts
      expect(html).toContain(`href="${previewLinks.unsubscribe}"`);
      expect(text).toContain(previewLinks.unsubscribe);
      expect(text).toMatch(/Unsubscribe/);
      if (c.manage === false) {
        // a confirmation email to an unconfirmed address: its confirm link and its own unsubscribe link only
        expect(html).not.toContain(previewLinks.manage);
        expect(text).not.toMatch(/Manage preferences/);
      } else {
        expect(html).toContain(`href="${previewLinks.manage}"`);
        expect(text).toContain(previewLinks.manage);
        expect(text).toMatch(/Manage preferences/);
      }
      // nothing fetched from elsewhere: no images, stylesheets or web fonts
      expect(html).not.toMatch(/<img|<link|@import|@font-face|url\(/i);
    });
  }
});

describe("AlertEmail", () => {
  it("shows provision changes with short excerpts, categories and evidence", async () => {
    const e = fixtures["01-anthropic-ai-training"];
    const text = await plainText(<AlertEmail events={summariesOf("professional", [e])} links={links} />);
    const after = e.changes[0].after ?? "";
    expect(after.length).toBeGreaterThan(300);
    expect(text).toContain(after.slice(0, 100));
    expect(text).not.toContain(after.slice(-60));
    expect(text).toContain("…");
    expect(text).toContain("Categories: data-rights, ai-training");
    expect(text).toContain("Regulations: GDPR, UK GDPR, CCPA, EU AI Act, California AB 2013");
    expect(text).toContain(e.evidence.archive_url);
    expect(text).toContain(e.evidence.source_url);
  });

  it("free: the headline, no provision detail, and where to get it", async () => {
    const html = await render(<AlertEmail events={summariesOf("free", [fixtures["01-anthropic-ai-training"]])} links={links} />);
    expect(html).toContain("Conversations can be used to train models by default");
    expect(html).not.toContain("AI Model Training Use of Materials");
    expect(html).not.toContain("Before:");
    expect(html).toContain("Watcher and Professional");
  });

  it("a large group shows the 20 most severe in full and lists the rest as headlines", async () => {
    const events = manyEvents(40, (i) => ({ severity: i < 3 ? "critical" : "medium" }));
    const html = await render(<AlertEmail events={summariesOf("professional", events)} links={links} />);
    expect(html.match(/SHA-256/g)).toHaveLength(20);
    expect(html.match(/>Critical</g)).toHaveLength(3);
    // platform · document · severity, linked to the document
    expect(html.match(/<li [^>]*><a href="https:\/\/www\.anthropic\.com\/legal\/consumer-terms"/g)).toHaveLength(20);
    expect(html).toContain("Claude.ai Terms of Service</a> · Medium</li>");
    // Gmail clips a message past ~102 KB, footer and unsubscribe link included
    expect(Buffer.byteLength(html)).toBeLessThan(100 * 1024);
  });

  it("escapes whatever the pipeline sends", async () => {
    const e = { ...fixtures["02-ideogram-training"], summary: '<script>alert("x")</script> & more' };
    const html = await render(<AlertEmail events={summariesOf("watcher", [e])} links={links} />);
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
  });
});

describe("WeeklyDigest", () => {
  const base = { ...digestContent("professional"), links };

  it("says plainly that a week was quiet, with the right plural", async () => {
    const quiet = { ...base, watchlist: [], highlights: [], coverage: { events: 0, platforms: 0 } };
    const one = await plainText(<WeeklyDigest {...quiet} watched_platforms={1} />);
    expect(one).toContain("No changes to the 1 platform you watch this week.");
    expect(one).not.toContain("Your watchlist");
    const three = await plainText(<WeeklyDigest {...quiet} watched_platforms={3} />);
    expect(three).toContain("No changes to the 3 platforms you watch this week.");
  });

  it("caps the watchlist at 50 items, most severe kept, and links to the rest", async () => {
    const events = manyEvents(120, (i) => ({ severity: i === 119 ? "critical" : "low" }));
    const digest = digestContent("watcher", events);
    const html = await render(<WeeklyDigest {...digest} links={links} />);
    const watchlist = html.slice(html.indexOf("Your watchlist"));
    expect(watchlist.match(/SHA-256/g)).toHaveLength(50);
    expect(watchlist).toContain("…and 70 more changes.");
    expect(watchlist).toContain(`href="${links.manage}"`);
    expect(watchlist.indexOf("Platform 39 (3 changes)")).toBeGreaterThan(-1);
    expect(watchlist.indexOf("Critical")).toBeLessThan(watchlist.indexOf("Low"));
    // Gmail clips a message past ~102 KB, footer and unsubscribe link included
    expect(Buffer.byteLength(html)).toBeLessThan(100 * 1024);
  });

  it("has a coverage line, and regulatory exposure only when the digest carries it", async () => {
    const pro = await plainText(<WeeklyDigest {...base} />);
    expect(pro).toContain("Coverage: 6 changes across 5 platforms this week.");
    expect(pro).toContain("Regulatory exposure");
    const watcher = await plainText(<WeeklyDigest {...digestContent("watcher")} links={links} />);
    expect(watcher).not.toContain("Regulatory exposure");
    expect(watcher).toContain("Highlights");
  });
});
