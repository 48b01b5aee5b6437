import { Button, Link, Text } from "@react-email/components";
import { capitalise, formatDate, WELCOME_SUBJECT } from "../src/lib/format";
import type { WelcomeNotice } from "../src/lib/messages";
import { type EmailLinks, Layout } from "./components/Layout";
import { previewLinks } from "./components/preview-data";
import { s } from "./components/theme";

export interface WelcomeProps extends Omit<WelcomeNotice, "notice"> {
  links: EmailLinks;
  timeZone?: string;
}

/**
 * The first email of an account a sign-up created: what it watches, the trial if one started,
 * and a sign-in link to the preference page. Sent only to the account's own address.
 */
export function Welcome(p: WelcomeProps) {
  const trial = p.trial_tier && p.trial_ends_at ? capitalise(p.trial_tier) : null;
  return (
    <Layout
      preview={trial ? `Your ${trial} trial has started.` : "Your free clausewatch account is ready."}
      heading={WELCOME_SUBJECT}
      reason="You are getting this because you confirmed a sign-up for clausewatch with this address."
      links={p.links}
    >
      <Text style={s.p}>
        {p.platform
          ? `Your account watches ${p.platform}. When its terms change you will read about it in your weekly digest, every Monday at 9:00.`
          : "Your account is ready. Choose a platform to watch, and its changes will reach you in your weekly digest, every Monday at 9:00."}
      </Text>
      {trial && p.trial_ends_at ? (
        <Text style={s.p}>
          {`Your ${trial} trial runs until ${formatDate(p.trial_ends_at, p.timeZone)}: same-day alerts, more platforms and the full change detail. We will email you three days before it ends; then the free plan applies again and nothing is deleted.`}
        </Text>
      ) : null}
      {p.trial_refused ? (
        <Text style={s.p}>
          This address has had its free trial already (one per address), so the account starts on the free plan.
        </Text>
      ) : null}
      <Text style={s.p}>
        <Button href={p.sign_in_url} style={s.button}>
          Open my preferences
        </Button>
      </Text>
      <Text style={s.small}>
        {`The sign-in link works until ${formatDate(p.expires_at, p.timeZone)}; later, any clausewatch email gets you a new one. Do not forward it: it signs in whoever opens it. If the button does not work, open this address: `}
        <Link href={p.sign_in_url} style={s.url}>
          {p.sign_in_url}
        </Link>
      </Text>
    </Layout>
  );
}

Welcome.PreviewProps = {
  sign_in_url: previewLinks.manage,
  expires_at: "2026-05-22T09:00:00.000Z",
  platform: "anthropic",
  trial_tier: "watcher",
  trial_ends_at: "2026-05-29T09:00:00.000Z",
  trial_refused: false,
  links: previewLinks,
  timeZone: "Europe/London",
} satisfies WelcomeProps;

export default Welcome;
