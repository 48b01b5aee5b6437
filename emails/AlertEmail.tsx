import { Text } from "@react-email/components";
import { type EmailFit, FULL_FIT } from "../src/lib/fit";
import { clip, headline, listJoin, plural, severityLabel } from "../src/lib/format";
import type { ChangeSummary } from "../src/lib/messages";
import { sortBySeverity } from "../src/lib/summary";
import { ChangeCard } from "./components/ChangeCard";
import { Headlines } from "./components/Headlines";
import { type EmailLinks, Layout } from "./components/Layout";
import { previewLinks, sampleSummaries } from "./components/preview-data";
import { s } from "./components/theme";

export interface AlertEmailProps {
  /** one or several events (a grouping window); shown most severe first */
  events: ChangeSummary[];
  links: EmailLinks;
  timeZone?: string;
  /** how much fits in the byte budget (render/fit.ts); everything by default */
  fit?: EmailFit;
}

/** At most this many cards; later events are listed as headlines (the byte budget may list fewer). */
export const ALERT_CARD_LIMIT = 20;

export function AlertEmail({ events, links, timeZone, fit = FULL_FIT }: AlertEmailProps) {
  const sorted = sortBySeverity(events);
  const shown = sorted.slice(0, Math.min(ALERT_CARD_LIMIT, fit.full));
  const first = sorted[0];
  const single = sorted.length === 1 && first;
  const heading = single ? headline(first) : `${plural(sorted.length, "change")} on your watchlist`;
  const preview = first ? `[${severityLabel(first.severity)}] ${clip(first.summary, 140)}` : heading;
  const platforms = [...new Set(sorted.map((e) => e.platform.name))];
  const reason =
    platforms.length === 1
      ? `You are getting this alert because ${platforms[0]} is on your clausewatch watchlist.`
      : `You are getting this alert because ${listJoin(platforms)} are on your clausewatch watchlist.`;
  return (
    <Layout preview={preview} heading={heading} reason={reason} links={links}>
      {single ? null : <Text style={s.p}>Changes to the terms you watch, most severe first.</Text>}
      {shown.map((e) => (
        <ChangeCard key={e.id} summary={e} level="h2" timeZone={timeZone} fit={fit} />
      ))}
      <Headlines
        items={sorted.slice(shown.length)}
        limit={fit.headlines}
        moreHref={links.manage}
        moreLabel="See everything on your watchlist"
      />
    </Layout>
  );
}

AlertEmail.PreviewProps = {
  events: sampleSummaries("professional").slice(0, 3),
  links: previewLinks,
  timeZone: "Europe/London",
} satisfies AlertEmailProps;

export default AlertEmail;
