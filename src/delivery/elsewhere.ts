import { type ElsewhereCandidate, type ElsewhereKey, elsewhereCandidates } from "../db/queries/elsewhere";
import type { Db } from "../db/types";
import type { Change, ChangeEvent } from "../lib/event-schema";
import { clip } from "../lib/format";
import type { ElsewhereItem } from "../lib/messages";
import { SEVERITIES, type Severity, severityRank } from "../lib/tiers";

/** Per change, at most this many; the contract's number. */
const ELSEWHERE_LIMIT = 3;
const EXCERPT_CHARS = 300;

/** What a change needs to find its comparisons: its event's platform and the notification's instant. */
export type ElsewhereLookup = (platform: string, change: Pick<Change, "categories">) => ElsewhereItem[];

/** One notification's events, and the instant its comparisons are taken at (its creation). */
export interface ElsewhereRequest {
  events: readonly ChangeEvent[];
  asOf: Date;
}

const asSeverity = (s: string): Severity => ((SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : "low");

/**
 * Loads the comparisons for every change of every request with one query (db/queries/elsewhere.ts)
 * and returns a lookup per request, in order. The instant is the notification's creation, not
 * now: a retry renders the same bytes (Resend compares a retried payload under one Idempotency-Key).
 *
 * @example
 * const [lookup] = await loadElsewhere(db, [{ events, asOf: notification.createdAt }]);
 * toChangeSummary(event, tier, links, (change) => lookup(event.platform.slug, change));
 */
export async function loadElsewhere(db: Db, requests: readonly ElsewhereRequest[]): Promise<ElsewhereLookup[]> {
  const keys = new Map<string, ElsewhereKey>();
  for (const r of requests) {
    const as_of = r.asOf.toISOString();
    for (const e of r.events)
      for (const c of e.changes)
        for (const category of c.categories)
          keys.set(keyOf(e.platform.slug, category, as_of), { platform: e.platform.slug, category, as_of });
  }
  const found = await elsewhereCandidates(db, [...keys.values()]);
  const byKey = new Map<string, ElsewhereCandidate[]>();
  for (const row of found) {
    // the database renders as_of in its own text form: key rows by the instant, not the string
    const k = keyOf(row.platform, row.category, new Date(row.as_of).toISOString());
    const list = byKey.get(k);
    if (list) list.push(row);
    else byKey.set(k, [row]);
  }
  return requests.map((r) => {
    const as_of = r.asOf.toISOString();
    return (platform, change) =>
      pickElsewhere(change.categories.flatMap((category) => byKey.get(keyOf(platform, category, as_of)) ?? []));
  });
}

const keyOf = (platform: string, category: string, asOf: string) => JSON.stringify([platform, category, asOf]);

const newestFirst = (a: ElsewhereCandidate, b: ElsewhereCandidate) =>
  Date.parse(b.received_at) - Date.parse(a.received_at) ||
  Date.parse(b.occurred_at) - Date.parse(a.occurred_at) ||
  b.event_id.localeCompare(a.event_id);

const mostSevereFirst = (a: ElsewhereCandidate, b: ElsewhereCandidate) =>
  severityRank(asSeverity(b.severity)) - severityRank(asSeverity(a.severity)) || newestFirst(a, b);

/**
 * From the candidates of a change's categories (other platforms only, already):
 * 1. each provision counts as it stands now — its latest stored change;
 * 2. one item per platform — its most severe such change — so three platforms are compared,
 *    not one platform's three clauses;
 * 3. most severe first, then newest; at most ELSEWHERE_LIMIT.
 */
function pickElsewhere(candidates: readonly ElsewhereCandidate[]): ElsewhereItem[] {
  const latest = new Map<string, ElsewhereCandidate>();
  for (const c of [...candidates].sort(newestFirst)) {
    const k = JSON.stringify([c.platform_slug, c.document_slug, c.provision_slug]);
    if (!latest.has(k)) latest.set(k, c);
  }
  const perPlatform = new Map<string, ElsewhereCandidate>();
  for (const c of [...latest.values()].sort(mostSevereFirst))
    if (!perPlatform.has(c.platform_slug)) perPlatform.set(c.platform_slug, c);
  return [...perPlatform.values()]
    .sort(mostSevereFirst)
    .slice(0, ELSEWHERE_LIMIT)
    .map((c) => ({
      platform: { slug: c.platform_slug, name: c.platform_name },
      document: { slug: c.document_slug, title: c.document_title, url: c.document_url },
      provision: { slug: c.provision_slug, title: c.provision_title },
      severity: asSeverity(c.severity),
      excerpt: clip(c.excerpt, EXCERPT_CHARS),
      event_id: c.event_id,
    }));
}
