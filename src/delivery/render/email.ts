import { render, toPlainText } from "@react-email/render";
import { createElement, type ReactElement } from "react";
import { AlertEmail } from "../../../emails/AlertEmail";
import { SignInLink } from "../../../emails/SignInLink";
import { TestEmail } from "../../../emails/TestEmail";
import { TrialEnding } from "../../../emails/TrialEnding";
import { VerifyEmail } from "../../../emails/VerifyEmail";
import { WeeklyDigest } from "../../../emails/WeeklyDigest";
import type { OutboundMessage, RenderEmail } from "../types";
import { subjectFor } from "./format";

/** html-to-text upper-cases headings by default; document titles in capitals read as shouting. */
export const TEXT_OPTIONS: NonNullable<Parameters<typeof toPlainText>[1]> = {
  selectors: ["h1", "h2", "h3", "h4"].map((selector) => ({ selector, options: { uppercase: false } })),
};

const LIST_NAME = { alert: "alerts", digest: "digests", test: "tests", notice: "notices" } as const;

/**
 * Email bodies from the React Email templates in `emails/`, plus the bulk-sender headers
 * (RFC 8058 one-click unsubscribe, RFC 2919 List-Id).
 *
 * The text part is `toPlainText` of the rendered HTML: exactly what `render(el, { plainText: true })`
 * returns (the same function on the same markup), without rendering the React tree twice.
 * No `pretty`: it costs ~10x the render and nothing reads the HTML source.
 *
 * @example
 * const renderEmail = createEmailRenderer({ publicUrl: config.publicUrl });
 * const { subject, html, text, headers } = await renderEmail(msg);
 */
export function createEmailRenderer(opts: { publicUrl: string }): RenderEmail {
  const host = listIdHost(opts.publicUrl);
  return async (msg) => {
    const html = await render(emailElement(msg));
    const list = LIST_NAME[msg.content.kind];
    return {
      subject: subjectFor(msg.content),
      html,
      text: toPlainText(html, TEXT_OPTIONS),
      headers: {
        "List-Unsubscribe": `<${msg.links.unsubscribe}>`,
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": `clausewatch ${list} <${list}.${host}>`,
      },
    };
  };
}

/** The template element for a message; exported so tests can compare with React Email's own text render. */
export function emailElement(msg: OutboundMessage): ReactElement {
  const { content, links } = msg;
  const timeZone = msg.user.timezone;
  switch (content.kind) {
    case "alert":
      return createElement(AlertEmail, { events: content.events, links, timeZone });
    case "digest": {
      const { kind: _kind, ...digest } = content;
      return createElement(WeeklyDigest, { ...digest, links, timeZone });
    }
    case "test":
      return createElement(TestEmail, { links });
    case "notice": {
      if (content.notice === "verify_email") {
        const { kind: _kind, notice: _notice, ...verify } = content;
        // a confirmation goes to an address not yet confirmed: its own unsubscribe link, no way into the account
        return createElement(VerifyEmail, { ...verify, links: { unsubscribe: links.unsubscribe }, timeZone });
      }
      if (content.notice === "sign_in_link") {
        return createElement(SignInLink, { sign_in_url: content.sign_in_url, expires_at: content.expires_at, links, timeZone });
      }
      const { kind: _kind, notice: _notice, ...notice } = content;
      return createElement(TrialEnding, { ...notice, links, timeZone });
    }
  }
}

/** A List-Id needs a dot-atom: the host of PUBLIC_URL, without port or IPv6 brackets. */
function listIdHost(publicUrl: string): string {
  const host = new URL(publicUrl).hostname.toLowerCase().replace(/[^a-z0-9.-]+/g, "-");
  return host.replace(/^[-.]+|[-.]+$/g, "") || "localhost";
}
