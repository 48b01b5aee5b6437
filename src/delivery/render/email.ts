import { render, toPlainText } from "@react-email/render";
import { createElement, type ReactElement } from "react";
import { AlertEmail } from "../../../emails/AlertEmail";
import { SignInLink } from "../../../emails/SignInLink";
import { SignupConfirm } from "../../../emails/SignupConfirm";
import { TestEmail } from "../../../emails/TestEmail";
import { TrialEnding } from "../../../emails/TrialEnding";
import { VerifyEmail } from "../../../emails/VerifyEmail";
import { WeeklyDigest } from "../../../emails/WeeklyDigest";
import { Welcome } from "../../../emails/Welcome";
import { EMAIL_BUDGET_BYTES, type EmailFit, FIT_STEPS, FULL_FIT, roughBytes } from "../../lib/fit";
import { subjectFor } from "../../lib/format";
import type { OutboundMessage, RenderEmail } from "../types";

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
 * The HTML stays under EMAIL_BUDGET_BYTES (renderWithinBudget).
 *
 * @example
 * const renderEmail = createEmailRenderer({ publicUrl: config.publicUrl });
 * const { subject, html, text, headers } = await renderEmail(msg);
 */
export function createEmailRenderer(opts: { publicUrl: string }): RenderEmail {
  const host = listIdHost(opts.publicUrl);
  return async (msg) => {
    const { html } = await renderWithinBudget(msg);
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

/**
 * The message's HTML within the byte budget (contract: under 100,000 bytes, or Gmail clips it and
 * hides the unsubscribe link).
 *
 * Strategy: render, measure the UTF-8 bytes of the HTML, and while it is over, render again one
 * step down render/fit.ts's ladder — long texts cut (each card then links to the full change),
 * fewer provision changes and comparisons per item, later items as headlines, then "and N more"
 * with a link. Measuring the real output rather than estimating keeps every template, escape and
 * inline style honest, and costs nothing for the common case: nearly every email fits at the first
 * step and is rendered once; only a message past the budget pays for more renders (the schema's
 * worst case, a 50-item digest with every field at its maximum, goes down the ladder; steps whose
 * rough size is hopeless are skipped unrendered). The last step carries no text that grows with
 * the input, so it always fits.
 */
export async function renderWithinBudget(
  msg: OutboundMessage,
  budget = EMAIL_BUDGET_BYTES,
): Promise<{ html: string; bytes: number; fit: EmailFit; step: number }> {
  // only alerts and digests carry content that grows with the input
  const c = msg.content;
  const items = c.kind === "alert" ? c.events : c.kind === "digest" ? [...c.highlights, ...c.watchlist] : null;
  const steps = items ? FIT_STEPS : [FULL_FIT];
  let html = "";
  let bytes = 0;
  for (const [step, fit] of steps.entries()) {
    // a step whose text alone is several budgets is skipped unrendered (see roughBytes)
    if (items && step < steps.length - 1 && roughBytes(items, fit, 4 * budget) > 4 * budget) continue;
    html = await render(emailElement(msg, fit));
    bytes = utf8Length(html);
    if (bytes < budget || step === steps.length - 1) return { html, bytes, fit, step };
  }
  throw new Error("unreachable: FIT_STEPS is empty");
}

/** UTF-8 length without allocating the bytes (no Buffer: the Worker renders too). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** The template element for a message; exported so tests can compare with React Email's own text render. */
export function emailElement(msg: OutboundMessage, fit: EmailFit = FULL_FIT): ReactElement {
  const { content, links } = msg;
  const timeZone = msg.user.timezone;
  switch (content.kind) {
    case "alert":
      return createElement(AlertEmail, { events: content.events, links, timeZone, fit });
    case "digest": {
      const { kind: _kind, ...digest } = content;
      return createElement(WeeklyDigest, { ...digest, links, timeZone, fit });
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
      if (content.notice === "signup_confirm") {
        const { kind: _kind, notice: _notice, ...confirm } = content;
        // like a channel confirmation: its own unsubscribe link, no way into any account
        return createElement(SignupConfirm, { ...confirm, links: { unsubscribe: links.unsubscribe }, timeZone });
      }
      if (content.notice === "welcome") {
        const { kind: _kind, notice: _notice, ...welcome } = content;
        return createElement(Welcome, { ...welcome, links, timeZone });
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
