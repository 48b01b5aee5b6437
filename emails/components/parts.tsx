import { Link } from "@react-email/components";
import { formatDate, shortHash } from "../../src/lib/format";
import type { ChangeSummary } from "../../src/lib/messages";
import { s } from "./theme";

type Change = ChangeSummary["changes"][number];

export const EVENT_VERB: Record<ChangeSummary["type"], string> = {
  "document.changed": "changed",
  "document.added": "added",
  "document.removed": "removed",
};

/** True when the reader's tier left out the provision detail (document.changed always has changes). */
export const isTrimmed = (summary: ChangeSummary): boolean => summary.type === "document.changed" && summary.changes.length === 0;

/** Stable keys: the provision slug, suffixed when an event changes one provision twice. */
export function keyed(changes: Change[]): { key: string; change: Change }[] {
  const seen = new Map<string, number>();
  return changes.map((change) => {
    const n = seen.get(change.provision.slug) ?? 0;
    seen.set(change.provision.slug, n + 1);
    return { key: n === 0 ? change.provision.slug : `${change.provision.slug}#${n}`, change };
  });
}

/** What the change was seen in: the content hash (short), the archived copy when there is one, the source. */
export function Evidence({ summary, timeZone }: { summary: ChangeSummary; timeZone?: string }) {
  const { evidence } = summary;
  return (
    <p style={s.small}>
      {`Evidence: SHA-256 ${shortHash(evidence.content_sha256)}, captured ${formatDate(evidence.captured_at, timeZone)}`}
      {evidence.archive_url ? (
        <>
          {" · "}
          <Link href={evidence.archive_url} style={s.link}>
            Archived copy
          </Link>
        </>
      ) : null}
      {" · "}
      <Link href={evidence.source_url} style={s.link}>
        Source
      </Link>
    </p>
  );
}
