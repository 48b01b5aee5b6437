import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type FakeResend, type SentEmail, startFakeResend } from "../fakes/resend";

/**
 * The black-box suite's email provider: the local Resend of test/fakes (the service under test
 * sends to it through RESEND_BASE_URL with RESEND_API_KEY), plus a read-only window on what it
 * took — `GET /emails` on a second port — since the suite runs in other processes than the one
 * holding the fake (scripts/blackbox.ts starts it before the service, which reads its URL at start).
 */
export interface Mailbox {
  /** what the service gets as RESEND_BASE_URL */
  resendUrl: string;
  apiKey: string;
  /** what the suite gets as BLACKBOX_MAILBOX_URL: `GET ${url}/emails` lists the emails sent */
  url: string;
  resend: FakeResend;
  close(): Promise<void>;
}

export async function startMailbox(apiKey = "re_blackbox_key"): Promise<Mailbox> {
  // generous: the service paces itself (RESEND_RATE_PER_SECOND); the fake's 429s are not under test here
  const resend = await startFakeResend({ apiKey, ratePerSecond: 100 });
  const window = createServer((req, res) => {
    if (req.method === "GET" && (req.url ?? "").split("?")[0] === "/emails") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(resend.emails));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => window.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(window.address() as AddressInfo).port}`;
  return {
    resendUrl: resend.url,
    apiKey,
    url,
    resend,
    close: async () => {
      window.closeAllConnections();
      await new Promise<void>((resolve) => window.close(() => resolve()));
      await resend.close();
    },
  };
}

/** The emails the fake Resend accepted so far (as the suite sees them, over HTTP). */
export async function sentEmails(mailboxUrl: string): Promise<SentEmail[]> {
  const res = await fetch(`${mailboxUrl}/emails`);
  if (!res.ok) throw new Error(`mailbox answered ${res.status}`);
  return (await res.json()) as SentEmail[];
}
