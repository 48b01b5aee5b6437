import { Link } from "@react-email/components";
import { documentLabel, plural, severityLabel, truncate } from "../../src/lib/format";
import type { ChangeSummary } from "../../src/lib/messages";
import { s } from "./theme";

/**
 * What the byte budget leaves of the items it could not show in full: one line each
 * (platform · document · severity, linked to the document), then "and N more" with a link to
 * where every change is. `limit` lines at most; Infinity lists them all.
 */
export function Headlines({
  items,
  limit,
  moreHref,
  moreLabel,
}: {
  items: ChangeSummary[];
  limit: number;
  moreHref: string;
  moreLabel: string;
}) {
  if (items.length === 0) return null;
  const listed = items.slice(0, limit);
  const more = items.length - listed.length;
  return (
    <>
      {listed.length > 0 ? (
        <ul style={{ margin: "8px 0", paddingLeft: "20px" }}>
          {listed.map((e) => (
            <li key={e.id} style={s.itemText}>
              <Link href={e.document.url} style={s.link}>
                {truncate(documentLabel(e), 200)}
              </Link>
              {` · ${severityLabel(e.severity)}`}
            </li>
          ))}
        </ul>
      ) : null}
      {more > 0 ? (
        <p style={s.p}>
          {`…and ${plural(more, "more change")}. `}
          <Link href={moreHref} style={s.link}>
            {moreLabel}
          </Link>
        </p>
      ) : null}
    </>
  );
}
