import { Heading, Link, Section, Text } from "@react-email/components";
import { capitalise, changeKindLabel, clip, documentLabel, formatDate, severityLabel } from "../../src/delivery/render/format";
import type { ChangeSummary } from "../../src/delivery/types";
import { EVENT_VERB, Evidence, isTrimmed, keyed } from "./parts";
import { badge, s, severityColor } from "./theme";

type Change = ChangeSummary["changes"][number];

export interface ChangeCardProps {
  summary: ChangeSummary;
  /** h2 in an alert, h3 under a digest's "Highlights" */
  level?: "h2" | "h3";
  timeZone?: string;
}

/** Excerpts stay short: the archive link holds the full text. */
const EXCERPT = 300;

/** One event in full: platform · document, severity, summary, every provision change, the evidence. */
export function ChangeCard({ summary, level = "h2", timeZone }: ChangeCardProps) {
  const sub = level === "h2" ? "h3" : "h4";
  return (
    <Section style={{ ...s.card, borderLeft: `4px solid ${severityColor[summary.severity]}` }}>
      <Text style={s.small}>
        <span style={badge(summary.severity)}>{severityLabel(summary.severity)}</span>
        {` · ${EVENT_VERB[summary.type]} on ${formatDate(summary.occurred_at, timeZone)}`}
      </Text>
      <Heading as={level} style={s.h3}>
        <Link href={summary.document.url} style={s.link}>
          {documentLabel(summary)}
        </Link>
      </Heading>
      <Text style={s.p}>{summary.summary}</Text>
      {isTrimmed(summary) ? (
        <Text style={s.small}>
          {"Which provisions changed, and how, is part of the Watcher and Professional plans. "}
          <Link href={summary.links.manage} style={s.link}>
            See plans in your preferences
          </Link>
        </Text>
      ) : null}
      {keyed(summary.changes).map(({ key, change }) => (
        <ProvisionChange key={key} change={change} level={sub} />
      ))}
      <Evidence summary={summary} timeZone={timeZone} />
    </Section>
  );
}

function ProvisionChange({ change, level }: { change: Change; level: "h3" | "h4" }) {
  const facts = [
    change.severity ? `severity ${change.severity}` : null,
    change.confidence ? `confidence ${change.confidence}` : null,
  ].filter(Boolean);
  return (
    <Section style={{ margin: "12px 0 0" }}>
      <Heading as={level} style={{ ...s.h3, fontSize: "15px" }}>
        {`${changeKindLabel(change.kind)}: ${change.provision.title}`}
      </Heading>
      {facts.length > 0 ? <Text style={s.small}>{capitalise(facts.join(" · "))}</Text> : null}
      <Text style={s.p}>{change.summary}</Text>
      {change.before ? (
        <Text style={s.quote}>
          <strong>Before:</strong> {clip(change.before, EXCERPT)}
        </Text>
      ) : null}
      {change.after ? (
        <Text style={s.quote}>
          <strong>After:</strong> {clip(change.after, EXCERPT)}
        </Text>
      ) : null}
      {change.categories.length > 0 ? <Text style={s.small}>{`Categories: ${change.categories.join(", ")}`}</Text> : null}
      {change.regulations && change.regulations.length > 0 ? (
        <Text style={s.small}>{`Regulations: ${change.regulations.join(", ")}`}</Text>
      ) : null}
    </Section>
  );
}
