import { Button, Link, Text } from "@react-email/components";
import { formatDate, SIGN_IN_SUBJECT } from "../src/lib/format";
import type { SignInNotice } from "../src/lib/messages";
import { type EmailLinks, Layout } from "./components/Layout";
import { previewLinks } from "./components/preview-data";
import { s } from "./components/theme";

export interface SignInLinkProps extends Omit<SignInNotice, "notice"> {
  links: EmailLinks;
  timeZone?: string;
}

/**
 * The sign-in link someone asked for (from a "Manage preferences" link in Slack, a webhook or
 * another address, or the sign-in form). Sent only to the account's own address.
 */
export function SignInLink({ sign_in_url, expires_at, links, timeZone }: SignInLinkProps) {
  return (
    <Layout
      preview="Open your clausewatch preferences with this link."
      heading={SIGN_IN_SUBJECT}
      reason="You are getting this because someone asked for a sign-in link to this clausewatch account. If that was not you, ignore this email: the link only works from this inbox."
      links={links}
    >
      <Text style={s.p}>Open your preferences to change what you watch, where alerts go and when the digest comes.</Text>
      <Text style={s.p}>
        <Button href={sign_in_url} style={s.button}>
          Open my preferences
        </Button>
      </Text>
      <Text style={s.small}>
        {`The link works until ${formatDate(expires_at, timeZone)}. Do not forward it: it signs in whoever opens it. "Sign out everywhere" on the preference page ends every session and every link sent before. If the button does not work, open this address: `}
        <Link href={sign_in_url} style={s.url}>
          {sign_in_url}
        </Link>
      </Text>
    </Layout>
  );
}

SignInLink.PreviewProps = {
  sign_in_url: previewLinks.manage,
  expires_at: "2026-05-22T09:00:00.000Z",
  links: previewLinks,
  timeZone: "Europe/London",
} satisfies SignInLinkProps;

export default SignInLink;
