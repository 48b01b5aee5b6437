import { Heading, Link, Section, Text } from "@react-email/components";
import { type EmailFit, FULL_FIT, fitText, fullChangeUrl } from "../../src/lib/fit";
import { capitalise, changeKindLabel, clip, documentLabel, formatDate, plural, severityLabel } from "../../src/lib/format";
import type { ChangeSummary } from "../../src/lib/messages";
import { Elsewhere } from "./Elsewhere";
import { EVENT_VERB, Evidence, isTrimmed, keyed } from "./parts";
import { badge, s, severityColor } from "./theme";

type Change = ChangeSummary["changes"][number];

export interface ChangeCardProps {
  summary: ChangeSummary;
  /** h2 in an alert, h3 under a digest's "Highlights" */
  level?: "h2" | "h3";
  timeZone?: string;
  /** how much fits in the email's byte budget (render/fit.ts); everything by default */
  fit?: EmailFit;
}

/** Excerpts stay short: the archive link holds the full text. */
const EXCERPT = 300;

/**
 * One event in full: platform · document, severity, summary, every provision change, the evidence.
 * Whatever the budget cut (a text, provision changes, comparisons) ends in one link to the full change.
 */
export function ChangeCard({ summary, level = "h2", timeZone, fit = FULL_FIT }: ChangeCardProps) {
  const sub = level === "h2" ? "h3" : "h4";
  const text = fitText(summary.summary, fit);
  const shown = keyed(summary.changes).slice(0, fit.changes);
  const hidden = summary.changes.length - shown.length;
  const cut = text.cut || hidden > 0 || shown.some(({ change }) => changeIsCut(change, fit));
  return (
    <Section style={{ ...s.card, borderLeft: `4px solid ${severityColor[summary.severity]}` }}>
      <Text style={s.small}>
        <span style={badge(summary.severity)}>{severityLabel(summary.severity)}</span>
        {` · ${EVENT_VERB[summary.type]} on ${formatDate(summary.occurred_at, timeZone)}`}
      </Text>
      <Heading as={level} style={s.h3}>
        <Link href={summary.document.url} style={s.link}>
          {clip(documentLabel(summary), fit.text === FULL_FIT.text ? 800 : 200)}
        </Link>
      </Heading>
      <Text style={s.p}>{text.text}</Text>
      {isTrimmed(summary) ? (
        <Text style={s.small}>
          {"Which provisions changed, and how, is part of the Watcher and Professional plans. "}
          <Link href={summary.links.manage} style={s.link}>
            See plans in your preferences
          </Link>
        </Text>
      ) : null}
      {shown.map(({ key, change }) => (
        <ProvisionChange key={key} change={change} level={sub} fit={fit} />
      ))}
      {cut ? (
        <Text style={s.small}>
          {hidden > 0 ? `…and ${plural(hidden, "more provision change")}. ` : "Some text above is shortened. "}
          <Link href={fullChangeUrl(summary)} style={s.link}>
            Read the full change
          </Link>
        </Text>
      ) : null}
      <Evidence summary={summary} timeZone={timeZone} />
    </Section>
  );
}

const excerptMax = (fit: EmailFit) => Math.min(EXCERPT, fit.text);

/** Whether the card shows less of this change than it says. */
function changeIsCut(c: Change, fit: EmailFit): boolean {
  const long = (v: string | undefined, max = Number.POSITIVE_INFINITY) => (v ?? "").length > Math.min(max, fit.text);
  return (
    long(c.summary) ||
    long(c.before, excerptMax(fit)) ||
    long(c.after, excerptMax(fit)) ||
    long(c.categories.join(", ")) ||
    long(c.regulations?.join(", ")) ||
    (c.elsewhere?.length ?? 0) > fit.elsewhere
  );
}

function ProvisionChange({ change, level, fit }: { change: Change; level: "h3" | "h4"; fit: EmailFit }) {
  const facts = [
    change.severity ? `severity ${change.severity}` : null,
    change.confidence ? `confidence ${change.confidence}` : null,
  ].filter(Boolean);
  const list = (label: string, items: string[] | undefined) =>
    items && items.length > 0 ? <Text style={s.small}>{`${label}: ${fitText(items.join(", "), fit).text}`}</Text> : null;
  return (
    <Section style={{ margin: "12px 0 0" }}>
      <Heading as={level} style={{ ...s.h3, fontSize: "15px" }}>
        {`${changeKindLabel(change.kind)}: ${fitText(change.provision.title, fit, 500).text}`}
      </Heading>
      {facts.length > 0 ? <Text style={s.small}>{capitalise(facts.join(" · "))}</Text> : null}
      <Text style={s.p}>{fitText(change.summary, fit).text}</Text>
      {change.before ? (
        <Text style={s.quote}>
          <strong>Before:</strong> {clip(change.before, excerptMax(fit))}
        </Text>
      ) : null}
      {change.after ? (
        <Text style={s.quote}>
          <strong>After:</strong> {clip(change.after, excerptMax(fit))}
        </Text>
      ) : null}
      {list("Categories", change.categories)}
      {list("Regulations", change.regulations)}
      <Elsewhere items={(change.elsewhere ?? []).slice(0, fit.elsewhere)} fit={fit} />
    </Section>
  );
}
