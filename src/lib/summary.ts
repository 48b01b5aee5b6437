import type { Change, ChangeEvent } from "./event-schema";
import type { ChangeSummary, ElsewhereItem, SummaryChange } from "./messages";
import { ENTITLEMENTS, type Severity, severityRank, type Tier } from "./tiers";

export type SummaryLinks = ChangeSummary["links"];

/**
 * The change summary a receiver of `tier` may see (contract: "What receivers get").
 * Fields are copied one by one rather than spread, so anything the event carries beyond the
 * contract (e.g. `document.last_updated`) never leaks into a webhook body.
 *
 * Changes of a structured summary (Watcher, Professional) carry `elsewhere` from the lookup
 * (delivery/elsewhere.ts; compose always passes one, so receivers get `[]` when there are none);
 * free summaries have no changes, so no `elsewhere`.
 *
 * @example
 * toChangeSummary(event, "free", links).changes // []
 */
export function toChangeSummary(
  event: ChangeEvent,
  tier: Tier,
  links: SummaryLinks,
  elsewhere?: (change: Change) => ElsewhereItem[],
): ChangeSummary {
  const entitled = ENTITLEMENTS[tier];
  const changes =
    entitled.summaries === "headlines"
      ? []
      : event.changes.map((c) =>
          elsewhere ? { ...trimChange(c, entitled.regulations), elsewhere: elsewhere(c) } : trimChange(c, entitled.regulations),
        );
  const evidence: ChangeSummary["evidence"] = {
    source_url: event.evidence.source_url,
    content_sha256: event.evidence.content_sha256,
    captured_at: event.evidence.captured_at,
  };
  if (event.evidence.archive_url) evidence.archive_url = event.evidence.archive_url;
  return {
    id: event.id,
    type: event.type,
    occurred_at: event.occurred_at,
    platform: { slug: event.platform.slug, name: event.platform.name },
    document: { slug: event.document.slug, title: event.document.title, url: event.document.url },
    severity: event.severity,
    summary: event.summary,
    changes,
    evidence,
    links: { manage: links.manage, unsubscribe: links.unsubscribe },
  };
}

function trimChange(c: Change, withRegulations: boolean): SummaryChange {
  const out: SummaryChange = {
    provision: { slug: c.provision.slug, title: c.provision.title },
    kind: c.kind,
    categories: [...c.categories],
    summary: c.summary,
  };
  if (c.severity) out.severity = c.severity;
  if (c.confidence) out.confidence = c.confidence;
  if (c.before !== undefined) out.before = c.before;
  if (c.after !== undefined) out.after = c.after;
  if (withRegulations && c.regulations) out.regulations = [...c.regulations];
  return out;
}

/**
 * Comparator: most severe first, then newest, then by id so equal items keep a stable order.
 *
 * @example
 * [...summaries].sort(bySeverity)
 */
export function bySeverity(
  a: { severity: Severity; occurred_at: string; id?: string },
  b: { severity: Severity; occurred_at: string; id?: string },
): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    Date.parse(b.occurred_at) - Date.parse(a.occurred_at) ||
    (a.id ?? "").localeCompare(b.id ?? "")
  );
}

/** A sorted copy (most severe first, then newest); the input is left alone. */
export const sortBySeverity = <T extends { severity: Severity; occurred_at: string; id?: string }>(items: readonly T[]): T[] =>
  [...items].sort(bySeverity);

/**
 * Items grouped by platform, groups ordered by their most severe (then newest) item, items
 * within a group most severe first — the digest's "Your watchlist".
 */
export function groupByPlatform(
  items: readonly ChangeSummary[],
): { platform: ChangeSummary["platform"]; items: ChangeSummary[] }[] {
  const groups = new Map<string, { platform: ChangeSummary["platform"]; items: ChangeSummary[] }>();
  for (const s of sortBySeverity(items)) {
    const g = groups.get(s.platform.slug);
    if (g) g.items.push(s);
    else groups.set(s.platform.slug, { platform: s.platform, items: [s] });
  }
  // Map keeps insertion order, and the first item seen of each platform is its most severe.
  return [...groups.values()];
}
