import { Link } from "@react-email/components";
import { type EmailFit, FULL_FIT, fitText, fullChangeUrl } from "../../src/lib/fit";
import { changeKindLabel, clip, formatDate, severityLabel, truncate } from "../../src/lib/format";
import type { ChangeSummary } from "../../src/lib/messages";
import { EVENT_VERB, Evidence } from "./parts";
import { badge, s, severityColor } from "./theme";

/**
 * One line-item of the digest's watchlist: severity, document, summary, which provisions
 * changed, how other platforms handle them, evidence. Deliberately lean markup (plain <div>/<p>,
 * no nested tables): a digest lists up to 50 of these inside the email's byte budget.
 */
export function DigestItem({ summary, timeZone, fit = FULL_FIT }: { summary: ChangeSummary; timeZone?: string; fit?: EmailFit }) {
  const shown = summary.changes.slice(0, fit.changes);
  const provisions = fitText(
    shown
      .map(
        (c) => `${changeKindLabel(c.kind)}: ${c.provision.title}${c.regulations?.length ? ` (${c.regulations.join(", ")})` : ""}`,
      )
      .join("; "),
    fit,
  );
  const text = fitText(summary.summary, fit, 400);
  // one comparison per platform across the item's changes, most severe first (each list already is)
  const elsewhere = new Map<string, NonNullable<ChangeSummary["changes"][number]["elsewhere"]>[number]>();
  for (const c of shown)
    for (const e of (c.elsewhere ?? []).slice(0, fit.elsewhere))
      if (!elsewhere.has(e.platform.slug)) elsewhere.set(e.platform.slug, e);
  const others = [...elsewhere.values()].slice(0, 3);
  const cut = text.cut || provisions.cut || shown.length < summary.changes.length;
  return (
    <div style={{ borderLeft: `4px solid ${severityColor[summary.severity]}`, padding: "0 0 0 10px", margin: "12px 0" }}>
      <h4 style={s.item}>
        <span style={badge(summary.severity)}>{severityLabel(summary.severity)}</span>{" "}
        <Link href={summary.document.url} style={s.link}>
          {truncate(summary.document.title, 200)}
        </Link>
        {` ${EVENT_VERB[summary.type]} on ${formatDate(summary.occurred_at, timeZone)}`}
      </h4>
      <p style={s.itemText}>{text.text}</p>
      {provisions.text ? <p style={s.small}>{provisions.text}</p> : null}
      {others.length > 0 ? (
        <p style={s.small}>
          {"How other platforms handle this: "}
          {others.map((e, i) => (
            <span key={e.platform.slug}>
              {i > 0 ? " · " : ""}
              <Link href={e.document.url} style={s.link}>
                {clip(e.platform.name, 60)}
              </Link>
              {` (${severityLabel(e.severity)})`}
            </span>
          ))}
        </p>
      ) : null}
      {cut ? (
        <p style={s.small}>
          <Link href={fullChangeUrl(summary)} style={s.link}>
            Read the full change
          </Link>
        </p>
      ) : null}
      <Evidence summary={summary} timeZone={timeZone} />
    </div>
  );
}
