/**
 * How much of a message an email shows, so that its HTML stays under the byte budget (contract:
 * "an email's HTML stays under 100,000 bytes"; Gmail clips at 102 KB and hides the footer, and the
 * unsubscribe link with it). The templates take an `EmailFit`; render/email.ts tries the steps
 * below in order and sends the first that fits. Pure data, no React.
 */

import { truncate } from "./format";
import type { ChangeSummary } from "./messages";

/** Bytes of HTML an email may have: under Gmail's 102 KB clip with room for the provider's additions. */
export const EMAIL_BUDGET_BYTES = 100_000;

export interface EmailFit {
  /** characters kept of each long text (summaries, change summaries, lists); Infinity = as written */
  text: number;
  /** provision changes shown per card; the rest are counted, with a link to the full change */
  changes: number;
  /** "How other platforms handle this" items shown per change */
  elsewhere: number;
  /** items (alert cards, digest highlights and watchlist items) shown in full */
  full: number;
  /** items after those listed as headlines (platform · document · severity, linked) */
  headlines: number;
}

/** Everything as written, bar the templates' own excerpt clips: what almost every email uses. */
export const FULL_FIT: EmailFit = {
  text: Number.POSITIVE_INFINITY,
  changes: Number.POSITIVE_INFINITY,
  elsewhere: 3,
  full: Number.POSITIVE_INFINITY,
  headlines: Number.POSITIVE_INFINITY,
};

/**
 * The degradation ladder, gentlest first: cut long texts, then show fewer provision changes and
 * comparisons per item, then turn items into headlines from the end of the list, then stop listing
 * headlines ("and N more" with a link). The last step has no long text left at all (a few lines,
 * the links and the footer: a few KB whatever the event said), so a message always fits.
 */
export const FIT_STEPS: readonly EmailFit[] = [
  FULL_FIT,
  { text: 1000, changes: 10, elsewhere: 3, full: Number.POSITIVE_INFINITY, headlines: Number.POSITIVE_INFINITY },
  { text: 400, changes: 5, elsewhere: 2, full: 20, headlines: Number.POSITIVE_INFINITY },
  { text: 250, changes: 3, elsewhere: 1, full: 10, headlines: Number.POSITIVE_INFINITY },
  { text: 200, changes: 2, elsewhere: 0, full: 5, headlines: 50 },
  { text: 150, changes: 1, elsewhere: 0, full: 2, headlines: 25 },
  { text: 120, changes: 0, elsewhere: 0, full: 0, headlines: 10 },
  { text: 120, changes: 0, elsewhere: 0, full: 0, headlines: 0 },
];

/** `s` cut to the fit's length (`max` when that is shorter); `cut` says whether anything was left out. */
export function fitText(s: string, fit: EmailFit, max = Number.POSITIVE_INFINITY): { text: string; cut: boolean } {
  const n = Math.min(fit.text, max);
  if (s.length <= n) return { text: s, cut: false };
  return { text: truncate(s, n), cut: true };
}

/**
 * Where "the full change" is for an email reader: the archived copy captured with the change when
 * there is one, else the document itself (the webhook body carries every field uncut).
 */
export const fullChangeUrl = (s: Pick<ChangeSummary, "evidence" | "document">): string =>
  s.evidence.archive_url ?? s.document.url;

/** Markup an item or change costs beyond its text (tables, inline styles, badges): generous. */
const ITEM_MARKUP = 2500;
const CHANGE_MARKUP = 1500;

/**
 * A rough upper estimate of the HTML a fit produces, from the text lengths alone. Only used to
 * skip ladder steps that cannot fit (the schema allows 500 changes per event: rendering all of
 * them just to measure would build tens of megabytes); the step sent is always measured.
 */
export function roughBytes(items: readonly ChangeSummary[], fit: EmailFit, stopAt = Number.POSITIVE_INFINITY): number {
  const cap = (n: number, max = Number.POSITIVE_INFINITY) => Math.min(n, fit.text, max);
  const listLength = (xs: readonly string[] | undefined) => (xs ?? []).reduce((n, x) => n + x.length + 2, 0);
  let total = 4000;
  for (const [i, e] of items.entries()) {
    // past stopAt the answer is "too big": no need to add up the rest (500 changes an item)
    if (total > stopAt) return total;
    const urls = e.document.url.length + e.evidence.source_url.length + (e.evidence.archive_url?.length ?? 0);
    if (i >= fit.full) {
      if (i < fit.full + fit.headlines) total += 300 + e.document.url.length + e.document.title.length + e.platform.name.length;
      continue;
    }
    total += ITEM_MARKUP + urls * 2 + cap(e.summary.length) + e.document.title.length + e.platform.name.length;
    for (const c of e.changes.slice(0, fit.changes)) {
      total += CHANGE_MARKUP + cap(c.summary.length) + cap(c.provision.title.length, 500);
      total += cap(c.before?.length ?? 0, 300) + cap(c.after?.length ?? 0, 300);
      total += cap(listLength(c.categories)) + cap(listLength(c.regulations));
      for (const o of (c.elsewhere ?? []).slice(0, fit.elsewhere)) total += 800 + o.document.url.length + 600;
    }
  }
  return total;
}
