import { Button, Link, Text } from "@react-email/components";
import { formatDate, VERIFY_SUBJECT } from "../src/lib/format";
import type { VerifyEmailNotice } from "../src/lib/messages";
import { type FooterLinks, Layout } from "./components/Layout";
import { previewLinks } from "./components/preview-data";
import { s } from "./components/theme";

export interface VerifyEmailProps extends Omit<VerifyEmailNotice, "notice"> {
  /** only its own unsubscribe link: the recipient is not (yet) the account's, so no manage link */
  links: Pick<FooterLinks, "unsubscribe">;
  timeZone?: string;
}

/**
 * Double opt-in: someone added this address to a clausewatch account. Nothing else is sent to it
 * until the link is followed and the page's button pressed (mail scanners open links, so the
 * link alone confirms nothing).
 */
export function VerifyEmail({ address, verify_url, expires_at, links, timeZone }: VerifyEmailProps) {
  return (
    <Layout
      preview={`Confirm that ${address} should receive clausewatch alerts and digests.`}
      heading={VERIFY_SUBJECT}
      reason={`You are getting this because ${address} was added as a delivery address to a clausewatch account. If that was not you, ignore this email: nothing more will be sent here.`}
      links={links}
    >
      <Text
        style={s.p}
      >{`Please confirm that ${address} should receive alerts and weekly digests about the terms of service its account watches.`}</Text>
      <Text style={s.p}>
        <Button href={verify_url} style={s.button}>
          Confirm this address
        </Button>
      </Text>
      <Text style={s.small}>
        {`The link works until ${formatDate(expires_at, timeZone)}. If the button does not work, open this address: `}
        <Link href={verify_url} style={s.url}>
          {verify_url}
        </Link>
      </Text>
    </Layout>
  );
}

VerifyEmail.PreviewProps = {
  address: "team-legal@example.com",
  verify_url: "https://clausewatch.example/verify-email/eyJwIjoidmVyaWZ5LWVtYWlsIn0.c2lnbmF0dXJl",
  expires_at: "2026-05-22T09:00:00.000Z",
  links: { unsubscribe: previewLinks.unsubscribe },
  timeZone: "Europe/London",
} satisfies VerifyEmailProps;

export default VerifyEmail;
