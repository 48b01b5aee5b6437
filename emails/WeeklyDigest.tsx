import { Heading, Link, Section, Text } from "@react-email/components";
import {
  coverageLine,
  DIGEST_ITEM_LIMIT,
  DIGEST_TITLE,
  formatPeriod,
  HIGHLIGHT_LIMIT,
  plural,
  quietWeekLine,
  sortExposure,
} from "../src/delivery/render/format";
import { groupByPlatform, sortBySeverity } from "../src/delivery/summary";
import type { ChangeSummary, DigestContent } from "../src/delivery/types";
import { ChangeCard } from "./components/ChangeCard";
import { DigestItem } from "./components/DigestItem";
import { type EmailLinks, Layout } from "./components/Layout";
import { isTrimmed } from "./components/parts";
import { previewLinks, sampleSummaries } from "./components/preview-data";
import { s } from "./components/theme";

export type WeeklyDigestProps = Omit<DigestContent, "kind"> & { links: EmailLinks; timeZone?: string };

export function WeeklyDigest(props: WeeklyDigestProps) {
  const { period, watchlist, highlights, coverage, regulatory_exposure, watched_platforms, links, timeZone } = props;
  const quiet = watchlist.length === 0;
  const when = formatPeriod(period, timeZone);
  const preview = quiet ? quietWeekLine(watched_platforms) : `${coverageLine(coverage)} (${when}).`;
  return (
    <Layout
      preview={preview}
      heading={DIGEST_TITLE}
      reason="You are getting this weekly digest because it is turned on for your clausewatch account. Change its day, or turn it off, in your preferences."
      links={links}
    >
      <Text style={s.small}>{when}</Text>
      {quiet ? <Text style={s.p}>{quietWeekLine(watched_platforms)}</Text> : null}
      <Text style={s.p}>
        <strong>Coverage:</strong> {coverageLine(coverage)}.
      </Text>
      {watchlist.some(isTrimmed) ? (
        <Text style={s.small}>
          Your plan shows headlines only.{" "}
          <Link href={links.manage} style={s.link}>
            Upgrade to see which provisions changed and how
          </Link>
          .
        </Text>
      ) : null}
      {/* A quiet week still carries the highlights: they are what makes even a free digest useful. */}
      <Highlights items={sortBySeverity(highlights).slice(0, HIGHLIGHT_LIMIT)} timeZone={timeZone} />
      {regulatory_exposure && regulatory_exposure.length > 0 ? <Exposure rows={regulatory_exposure} /> : null}
      {quiet ? null : <Watchlist items={watchlist} links={links} timeZone={timeZone} />}
    </Layout>
  );
}

function Highlights({ items, timeZone }: { items: ChangeSummary[]; timeZone?: string }) {
  if (items.length === 0) return null;
  return (
    <Section>
      <Heading as="h2" style={s.h2}>
        Highlights
      </Heading>
      {items.map((e) => (
        <ChangeCard key={e.id} summary={e} level="h3" timeZone={timeZone} />
      ))}
    </Section>
  );
}

function Watchlist({ items, links, timeZone }: { items: ChangeSummary[]; links: EmailLinks; timeZone?: string }) {
  // Cut after grouping, so the items kept are the most severe of the most severe platforms.
  let budget = DIGEST_ITEM_LIMIT;
  const groups = groupByPlatform(items).flatMap((g) => {
    const kept = g.items.slice(0, Math.max(0, budget));
    budget -= kept.length;
    return kept.length > 0 ? [{ ...g, total: g.items.length, items: kept }] : [];
  });
  const hidden = items.length - Math.min(items.length, DIGEST_ITEM_LIMIT);
  return (
    <Section>
      <Heading as="h2" style={s.h2}>
        Your watchlist
      </Heading>
      {groups.map((g) => (
        <Section key={g.platform.slug}>
          <Heading as="h3" style={{ ...s.h3, margin: "16px 0 0" }}>
            {`${g.platform.name} (${plural(g.total, "change")})`}
          </Heading>
          {g.items.map((e) => (
            <DigestItem key={e.id} summary={e} timeZone={timeZone} />
          ))}
        </Section>
      ))}
      {hidden > 0 ? (
        <Text style={s.p}>
          {`…and ${hidden} more. `}
          <Link href={links.manage} style={s.link}>
            See all changes on your watchlist
          </Link>
        </Text>
      ) : null}
    </Section>
  );
}

function Exposure({ rows }: { rows: NonNullable<DigestContent["regulatory_exposure"]> }) {
  const sorted = sortExposure(rows);
  return (
    <Section>
      <Heading as="h2" style={s.h2}>
        Regulatory exposure
      </Heading>
      <Text style={s.small}>Changes this week that touch each regulation.</Text>
      <ul style={{ margin: "4px 0", paddingLeft: "20px" }}>
        {sorted.map((r) => (
          <li key={r.regulation} style={s.p}>
            {`${r.regulation}: ${plural(r.changes, "change")}`}
          </li>
        ))}
      </ul>
    </Section>
  );
}

const previewWatchlist = sampleSummaries("professional");

WeeklyDigest.PreviewProps = {
  period: { start: "2026-05-08T09:00:00Z", end: "2026-05-15T09:00:00Z" },
  watchlist: previewWatchlist,
  highlights: previewWatchlist.slice(0, 2),
  coverage: { events: previewWatchlist.length, platforms: 3 },
  regulatory_exposure: [
    { regulation: "GDPR", changes: 2 },
    { regulation: "UK GDPR", changes: 1 },
    { regulation: "CCPA", changes: 1 },
    { regulation: "EU AI Act", changes: 1 },
    { regulation: "California AB 2013", changes: 1 },
    { regulation: "FTC Act", changes: 1 },
  ],
  watched_platforms: 4,
  links: previewLinks,
  timeZone: "Europe/London",
} satisfies WeeklyDigestProps;

export default WeeklyDigest;
