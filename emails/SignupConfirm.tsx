import { Button, Link, Text } from "@react-email/components";
import { PLAN_LABEL, SIGNUP_CONFIRM_SUBJECT } from "../src/lib/format";
import type { SignupConfirmNotice } from "../src/lib/messages";
import { type FooterLinks, Layout } from "./components/Layout";
import { previewLinks } from "./components/preview-data";
import { s } from "./components/theme";

export interface SignupConfirmProps extends Omit<SignupConfirmNotice, "notice"> {
  /** only its own unsubscribe link: whoever reads this inbox has no account yet, maybe never will */
  links: Pick<FooterLinks, "unsubscribe">;
  timeZone?: string;
}

/** "16 May 2026, 10:00 BST": the link lasts a day, so the hour matters; an unknown zone is UTC. */
function until(iso: string, timeZone = "UTC"): string {
  const opts: Intl.DateTimeFormatOptions = {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  };
  try {
    return new Intl.DateTimeFormat("en-GB", { ...opts, timeZone }).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat("en-GB", { ...opts, timeZone: "UTC" }).format(new Date(iso));
  }
}

/**
 * Double opt-in for a sign-up: someone entered this address on the site. Nothing is created until
 * the link is opened and the page's button pressed (mail scanners open links). The same email goes
 * to an address that already has an account, so the site's answer never tells which one it was.
 */
export function SignupConfirm({ address, confirm_url, expires_at, plan, links, timeZone }: SignupConfirmProps) {
  return (
    <Layout
      preview="One click to finish signing up for clausewatch."
      heading={SIGNUP_CONFIRM_SUBJECT}
      reason={`You are getting this because ${address} was entered on the clausewatch sign-up form. If that was not you, ignore this email: no account is created and nothing more is sent. "Unsubscribe" stops every confirmation email to this address.`}
      links={links}
    >
      <Text style={s.p}>{`Someone, hopefully you, asked for ${PLAN_LABEL[plan]} for ${address}.`}</Text>
      <Text style={s.p}>
        <Button href={confirm_url} style={s.button}>
          Confirm sign-up
        </Button>
      </Text>
      <Text style={s.small}>
        {`The link works once, until ${until(expires_at, timeZone)}. If the button does not work, open this address: `}
        <Link href={confirm_url} style={s.url}>
          {confirm_url}
        </Link>
      </Text>
    </Layout>
  );
}

SignupConfirm.PreviewProps = {
  address: "dana@example.com",
  confirm_url: "https://clausewatch.example/signup/confirm?token=eyJwIjoic2lnbnVwIn0.c2lnbmF0dXJl",
  expires_at: "2026-05-16T09:00:00.000Z",
  plan: "watcher_trial",
  links: { unsubscribe: previewLinks.unsubscribe },
  timeZone: "Europe/London",
} satisfies SignupConfirmProps;

export default SignupConfirm;
