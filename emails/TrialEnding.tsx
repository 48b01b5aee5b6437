import { Heading, Link, Section, Text } from "@react-email/components";
import { CHANNEL_TYPE_LABEL, capitalise, formatDate, plural, watchLabel } from "../src/lib/format";
import type { TrialEndingNotice } from "../src/lib/messages";
import { type EmailLinks, Layout } from "./components/Layout";
import { previewLinks } from "./components/preview-data";
import { s } from "./components/theme";

export interface TrialEndingProps extends Omit<TrialEndingNotice, "notice"> {
  links: EmailLinks;
  timeZone?: string;
}

/**
 * Sent once, three days before a Watcher or Professional trial ends: what the user's own tier will pause, so
 * nothing goes quiet by surprise — and that nothing is deleted.
 */
export function TrialEnding(p: TrialEndingProps) {
  const when = formatDate(p.trial_ends_at, p.timeZone);
  const tier = capitalise(p.tier_after);
  const watches = p.watches.length + p.more_watches;
  const channels = p.channels.length + p.more_channels;
  const trial = capitalise(p.trial_tier);
  const heading = `Your ${trial} trial ends on ${when}`;
  const preview =
    watches + channels > 0
      ? `${[watches ? plural(watches, "watch", "watches") : "", channels ? plural(channels, "channel") : ""].filter(Boolean).join(" and ")} will pause when it ends.`
      : "Your watchlist fits the plan you return to.";
  return (
    <Layout
      preview={preview}
      heading={heading}
      reason={`You are getting this because your clausewatch account is on a ${trial} trial.`}
      links={p.links}
    >
      <Text style={s.p}>
        {`When the trial ends your account returns to the ${tier} plan. Nothing is deleted: what the ${tier} plan does not include is paused, and resumes as soon as you upgrade.`}
      </Text>
      {p.alerts_end ? (
        <Text style={s.p}>Same-day alerts stop; your weekly digest goes on and still lists every change to what you watch.</Text>
      ) : null}
      {watches > 0 ? (
        <Section>
          <Heading as="h2" style={s.h2}>
            {`${plural(watches, "watch", "watches")} will pause`}
          </Heading>
          {p.watches.map((w) => (
            <Text key={watchLabel(w)} style={s.itemText}>{`• ${watchLabel(w)}`}</Text>
          ))}
          {p.more_watches > 0 ? <Text style={s.itemText}>{`…and ${p.more_watches} more`}</Text> : null}
        </Section>
      ) : (
        <Text style={s.p}>Your watchlist fits the {tier} plan: no watch pauses.</Text>
      )}
      {channels > 0 ? (
        <Section>
          <Heading as="h2" style={s.h2}>
            {`${plural(channels, "channel")} will pause`}
          </Heading>
          {p.channels.map((c) => (
            <Text key={`${c.type}:${c.target}`} style={s.itemText}>{`• ${CHANNEL_TYPE_LABEL[c.type]}: ${c.target}`}</Text>
          ))}
          {p.more_channels > 0 ? <Text style={s.itemText}>{`…and ${p.more_channels} more`}</Text> : null}
        </Section>
      ) : null}
      <Text style={s.p}>
        <Link href={p.links.manage} style={s.link}>
          Review your watchlist and channels
        </Link>{" "}
        to choose what stays active, or upgrade to keep everything running.
      </Text>
    </Layout>
  );
}

TrialEnding.PreviewProps = {
  trial_ends_at: "2026-05-22T09:00:00.000Z",
  trial_tier: "watcher",
  tier_after: "free",
  watches: [
    { platform: "anthropic", document: "claudeai-terms-of-service", provision: null, min_severity: "high", categories: null },
    { platform: "openai", document: null, provision: null, min_severity: null, categories: null },
  ],
  more_watches: 0,
  channels: [{ type: "webhook", target: "https://hooks.example.com/…" }],
  more_channels: 0,
  alerts_end: true,
  links: previewLinks,
  timeZone: "Europe/London",
} satisfies TrialEndingProps;

export default TrialEnding;
