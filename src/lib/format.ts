/**
 * Wording shared by every channel (email, Slack, and whatever reads a subject line), so an
 * alert says the same thing wherever it lands. Pure functions, no React.
 */

import type { ChangeSummary, MessageContent, TrialEndingContent, WatchRef } from "./messages";
import { sortBySeverity } from "./summary";
import type { Severity } from "./tiers";

export const ELLIPSIS = "…";

/** At most `max` characters, the last one "…" when cut; never splits a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, Math.max(0, max - 1));
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}${ELLIPSIS}`;
}

/** One line, whitespace collapsed, then truncated: for before/after excerpts and subjects. */
export const clip = (s: string, max: number): string => truncate(s.replace(/\s+/g, " ").trim(), max);

export const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export const severityLabel = (s: Severity): string => capitalise(s);

/** "1 platform", "3 platforms"; `many` for irregular plurals. */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Enough of a SHA-256 to compare by eye; the full hash stays in the webhook body. */
export const shortHash = (sha: string): string => sha.slice(0, 12);

const VERB: Record<ChangeSummary["type"], string> = {
  "document.changed": "changed",
  "document.added": "added",
  "document.removed": "removed",
};

export const changeKindLabel = (kind: "added" | "removed" | "modified"): string => capitalise(kind);

/** "Anthropic · Claude.ai Terms of Service" */
export const documentLabel = (s: Pick<ChangeSummary, "platform" | "document">): string =>
  `${s.platform.name} · ${s.document.title}`;

/** "Anthropic · Claude.ai Terms of Service changed" (added / removed for those event types). */
export const headline = (s: Pick<ChangeSummary, "platform" | "document" | "type">): string =>
  `${documentLabel(s)} ${VERB[s.type]}`;

const listFormat = new Intl.ListFormat("en", { style: "long", type: "conjunction" });

/** "Anthropic, Windsurf, and Netflix" */
export const listJoin = (items: readonly string[]): string => listFormat.format(items);

/** Regulations most touched first, then by name. */
export const sortExposure = <T extends { regulation: string; changes: number }>(rows: readonly T[]): T[] =>
  [...rows].sort((a, b) => b.changes - a.changes || a.regulation.localeCompare(b.regulation));

export const DIGEST_TITLE = "Your clausewatch weekly digest";
/** A digest lists at most this many watchlist items (email and Slack alike); the rest is one link away. */
export const DIGEST_ITEM_LIMIT = 50;
/** "Highlights": the few most severe changes across all platforms. */
export const HIGHLIGHT_LIMIT = 5;
export const TEST_SUBJECT = "clausewatch test message";
export const VERIFY_SUBJECT = "Confirm your email address for clausewatch";
export const SIGN_IN_SUBJECT = "Your clausewatch sign-in link";
export const SIGNUP_CONFIRM_SUBJECT = "Confirm your clausewatch sign-up";
export const WELCOME_SUBJECT = "Welcome to clausewatch";

/** What a sign-up asked for, as its emails and pages say it. */
export const PLAN_LABEL = {
  free: "a free account",
  watcher_trial: "a free account with a 14-day Watcher trial",
  professional_trial: "a free account with a 14-day Professional trial",
} as const;

/** "5 changes across 2 platforms this week" */
export const coverageLine = (c: { events: number; platforms: number }): string =>
  `${plural(c.events, "change")} across ${plural(c.platforms, "platform")} this week`;

/** What a quiet week says, for any number of watched platforms. */
export function quietWeekLine(watchedPlatforms: number): string {
  if (watchedPlatforms === 0) return "You are not watching any platforms yet, so there was nothing to report this week.";
  const n = plural(watchedPlatforms, "platform");
  return `No changes to the ${n} you watch this week.`;
}

/**
 * The subject (email) and fallback text (Slack). Alerts start with the highest severity;
 * header folding is the provider's job, but a name with a newline must not split the line.
 */
export function subjectFor(content: MessageContent): string {
  let subject: string;
  switch (content.kind) {
    case "alert": {
      const [first, ...rest] = sortBySeverity(content.events);
      if (!first) subject = "No new changes on your watchlist";
      else if (rest.length === 0) subject = `[${severityLabel(first.severity)}] ${headline(first)}`;
      else subject = `[${severityLabel(first.severity)}] ${content.events.length} changes on your watchlist`;
      break;
    }
    case "digest": {
      // The reader's own changes: `coverage` counts everyone's (a reader watching nothing once got
      // "158 changes, 33 platforms" above "nothing to report").
      const own = content.watchlist.length;
      const platforms = new Set(content.watchlist.map((s) => s.platform.slug)).size;
      subject =
        own === 0
          ? `${DIGEST_TITLE}: no changes this week`
          : `${DIGEST_TITLE}: ${plural(own, "change")}, ${plural(platforms, "platform")}`;
      break;
    }
    case "test":
      subject = TEST_SUBJECT;
      break;
    case "notice":
      subject =
        content.notice === "verify_email"
          ? VERIFY_SUBJECT
          : content.notice === "sign_in_link"
            ? SIGN_IN_SUBJECT
            : content.notice === "signup_confirm"
              ? SIGNUP_CONFIRM_SUBJECT
              : content.notice === "welcome"
                ? WELCOME_SUBJECT
                : trialEndingSubject(content);
      break;
  }
  return clip(subject, 250);
}

/** "Your clausewatch Professional trial is ending: 2 watches and 1 channel will pause" */
function trialEndingSubject(n: TrialEndingContent): string {
  const pausing = [
    n.watches.length + n.more_watches > 0 ? plural(n.watches.length + n.more_watches, "watch", "watches") : "",
    n.channels.length + n.more_channels > 0 ? plural(n.channels.length + n.more_channels, "channel") : "",
  ].filter(Boolean);
  const what = pausing.length > 0 ? `${listJoin(pausing)} will pause` : n.alerts_end ? "same-day alerts stop" : "nothing pauses";
  return `Your clausewatch ${capitalise(n.trial_tier)} trial is ending: ${what}`;
}

/** "anthropic › claudeai-terms-of-service › arbitration (high and above; categories: a, b)" */
export function watchLabel(w: WatchRef): string {
  const path = [w.platform === "*" ? "every platform" : w.platform, w.document, w.provision].filter(Boolean).join(" › ");
  const filters = [
    w.min_severity ? `${w.min_severity} and above` : "",
    w.categories && w.categories.length > 0 ? `categories: ${w.categories.join(", ")}` : "",
  ].filter(Boolean);
  return filters.length > 0 ? `${path} (${filters.join("; ")})` : path;
}

export const CHANNEL_TYPE_LABEL = { email: "Email", slack: "Slack", webhook: "Webhook" } as const;

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** A day-precision formatter in the reader's zone; an unknown zone falls back to UTC. */
function dateFormat(timeZone = "UTC"): Intl.DateTimeFormat {
  let f = dateFormats.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone });
    } catch {
      return dateFormat("UTC");
    }
    dateFormats.set(timeZone, f);
  }
  return f;
}

/** "9 May 2026" */
export const formatDate = (iso: string, timeZone?: string): string => dateFormat(timeZone).format(new Date(iso));

/** "8 – 15 May 2026" (ICU's thin spaces made plain: some text clients show them as boxes) */
export const formatPeriod = (p: { start: string; end: string }, timeZone?: string): string =>
  dateFormat(timeZone)
    .formatRange(new Date(p.start), new Date(p.end))
    .replace(/[\u2009\u202f]/g, " ");
