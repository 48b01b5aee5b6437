import { Heading, Link, Section, Text } from "@react-email/components";
import { type EmailFit, FULL_FIT } from "../src/lib/fit";
import {
  clip,
  coverageLine,
  DIGEST_ITEM_LIMIT,
  DIGEST_TITLE,
  formatPeriod,
  HIGHLIGHT_LIMIT,
  plural,
  quietWeekLine,
  sortExposure,
} from "../src/lib/format";
import type { ChangeSummary, DigestContent } from "../src/lib/messages";
import { groupByPlatform, sortBySeverity } from "../src/lib/summary";
import { ChangeCard } from "./components/ChangeCard";
import { DigestItem } from "./components/DigestItem";
import { Headlines } from "./components/Headlines";
import { type EmailLinks, Layout } from "./components/Layout";
import { isTrimmed } from "./components/parts";
import { previewLinks, sampleSummaries } from "./components/preview-data";
import { s } from "./components/theme";

export type WeeklyDigestProps = Omit<DigestContent, "kind"> & {
  links: EmailLinks;
  timeZone?: string;
  /** how much fits in the byte budget (render/fit.ts); everything by default */
  fit?: EmailFit;
};

export function WeeklyDigest(props: WeeklyDigestProps) {
  const { period, watchlist, highlights, coverage, regulatory_exposure, watched_platforms, links, timeZone } = props;
  const fit = props.fit ?? FULL_FIT;
  const quiet = watchlist.length === 0;
  const when = formatPeriod(period, timeZone);
  // the inbox shows the preview beside the subject: the reader's own changes, like the subject
  const preview = quiet ? quietWeekLine(watched_platforms) : `${plural(watchlist.length, "change")} on your watchlist (${when}).`;
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
      <Highlights items={sortBySeverity(highlights).slice(0, HIGHLIGHT_LIMIT)} links={links} timeZone={timeZone} fit={fit} />
      {regulatory_exposure && regulatory_exposure.length > 0 ? <Exposure rows={regulatory_exposure} fit={fit} /> : null}
      {quiet ? null : <Watchlist items={watchlist} links={links} timeZone={timeZone} fit={fit} />}
    </Layout>
  );
}

function Highlights({
  items,
  links,
  timeZone,
  fit,
}: {
  items: ChangeSummary[];
  links: EmailLinks;
  timeZone?: string;
  fit: EmailFit;
}) {
  if (items.length === 0) return null;
  const full = items.slice(0, fit.full);
  return (
    <Section>
      <Heading as="h2" style={s.h2}>
        Highlights
      </Heading>
      {full.map((e) => (
        <ChangeCard key={e.id} summary={e} level="h3" timeZone={timeZone} fit={fit} />
      ))}
      <Headlines
        items={items.slice(full.length)}
        limit={fit.headlines}
        moreHref={links.manage}
        moreLabel="See this week's changes in your preferences"
      />
    </Section>
  );
}

function Watchlist({
  items,
  links,
  timeZone,
  fit,
}: {
  items: ChangeSummary[];
  links: EmailLinks;
  timeZone?: string;
  fit: EmailFit;
}) {
  // Cut after grouping, so the items kept are the most severe of the most severe platforms; the
  // budget's `full` first ones in full, the next ones as headlines, within the item cap.
  const ordered = groupByPlatform(items);
  const inFull = Math.min(fit.full, DIGEST_ITEM_LIMIT);
  let budget = inFull;
  const groups = ordered.flatMap((g) => {
    const kept = g.items.slice(0, Math.max(0, budget));
    budget -= kept.length;
    return kept.length > 0 ? [{ ...g, total: g.items.length, items: kept }] : [];
  });
  const shown = new Set(groups.flatMap((g) => g.items.map((e) => e.id)));
  const rest = ordered.flatMap((g) => g.items).filter((e) => !shown.has(e.id));
  const headlines = Math.min(fit.headlines, DIGEST_ITEM_LIMIT - shown.size);
  return (
    <Section>
      <Heading as="h2" style={s.h2}>
        Your watchlist
      </Heading>
      {groups.map((g) => (
        <Section key={g.platform.slug}>
          <Heading as="h3" style={{ ...s.h3, margin: "16px 0 0" }}>
            {`${clip(g.platform.name, 200)} (${plural(g.total, "change")})`}
          </Heading>
          {g.items.map((e) => (
            <DigestItem key={e.id} summary={e} timeZone={timeZone} fit={fit} />
          ))}
        </Section>
      ))}
      {rest.length > 0 && headlines > 0 && groups.length > 0 ? (
        <Heading as="h3" style={{ ...s.h3, margin: "16px 0 0" }}>
          More changes on your watchlist
        </Heading>
      ) : null}
      <Headlines items={rest} limit={headlines} moreHref={links.manage} moreLabel="See all changes on your watchlist" />
    </Section>
  );
}

/** Past the text budget only the regulations most touched are listed; the count says how many more. */
const EXPOSURE_ROWS_CUT = 10;

function Exposure({ rows, fit }: { rows: NonNullable<DigestContent["regulatory_exposure"]>; fit: EmailFit }) {
  const sorted = sortExposure(rows);
  const shown = fit.text === FULL_FIT.text ? sorted : sorted.slice(0, EXPOSURE_ROWS_CUT);
  return (
    <Section>
      <Heading as="h2" style={s.h2}>
        Regulatory exposure
      </Heading>
      <Text style={s.small}>Changes this week that touch each regulation.</Text>
      <ul style={{ margin: "4px 0", paddingLeft: "20px" }}>
        {shown.map((r) => (
          <li key={r.regulation} style={s.p}>
            {`${r.regulation}: ${plural(r.changes, "change")}`}
          </li>
        ))}
      </ul>
      {shown.length < sorted.length ? (
        <Text style={s.small}>{`…and ${plural(sorted.length - shown.length, "more regulation")}.`}</Text>
      ) : null}
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
