import { Link } from "@react-email/components";
import type { EmailFit } from "../../src/lib/fit";
import { clip, severityLabel } from "../../src/lib/format";
import type { ElsewhereItem } from "../../src/lib/messages";
import { badge, s } from "./theme";

/** Words of the other platform's clause shown: a taste, the link has the rest. */
const EXCERPT = 160;

/**
 * "How other platforms handle this" under one provision change: up to three other platforms'
 * latest changes in a shared category, most severe first. Plain <div>/<p>, no tables: it repeats
 * per change, and every byte counts against the email's budget.
 */
export function Elsewhere({ items, fit }: { items: ElsewhereItem[]; fit: EmailFit }) {
  if (items.length === 0) return null;
  return (
    <div style={s.elsewhere}>
      <p style={{ ...s.small, fontWeight: 600, color: s.item.color }}>How other platforms handle this</p>
      {items.map((i) => (
        <p key={`${i.event_id}|${i.provision.slug}`} style={s.small}>
          <span style={badge(i.severity)}>{severityLabel(i.severity)}</span>{" "}
          <Link href={i.document.url} style={s.link}>
            {clip(`${i.platform.name} · ${i.document.title}`, 200)}
          </Link>
          {` — ${clip(i.provision.title, 150)}: “${clip(i.excerpt, Math.min(EXCERPT, fit.text))}”`}
        </p>
      ))}
    </div>
  );
}
