import { Link } from "@react-email/components";
import { changeKindLabel, formatDate, severityLabel, truncate } from "../../src/delivery/render/format";
import type { ChangeSummary } from "../../src/delivery/types";
import { EVENT_VERB, Evidence } from "./parts";
import { badge, s, severityColor } from "./theme";

/**
 * One line-item of the digest's watchlist: severity, document, summary, which provisions
 * changed, evidence. Deliberately lean markup (plain <div>/<p>, no nested tables): a digest lists
 * up to 50 of these, and Gmail clips messages past ~102 KB — the unsubscribe link with them.
 */
export function DigestItem({ summary, timeZone }: { summary: ChangeSummary; timeZone?: string }) {
  const provisions = summary.changes.map(
    (c) => `${changeKindLabel(c.kind)}: ${c.provision.title}${c.regulations?.length ? ` (${c.regulations.join(", ")})` : ""}`,
  );
  return (
    <div style={{ borderLeft: `4px solid ${severityColor[summary.severity]}`, padding: "0 0 0 10px", margin: "12px 0" }}>
      <h4 style={s.item}>
        <span style={badge(summary.severity)}>{severityLabel(summary.severity)}</span>{" "}
        <Link href={summary.document.url} style={s.link}>
          {summary.document.title}
        </Link>
        {` ${EVENT_VERB[summary.type]} on ${formatDate(summary.occurred_at, timeZone)}`}
      </h4>
      <p style={s.itemText}>{truncate(summary.summary, 400)}</p>
      {provisions.length > 0 ? <p style={s.small}>{provisions.join("; ")}</p> : null}
      <Evidence summary={summary} timeZone={timeZone} />
    </div>
  );
}
