import {
  CHANNEL_TYPE_LABEL,
  capitalise,
  changeKindLabel,
  clip,
  coverageLine,
  DIGEST_ITEM_LIMIT,
  DIGEST_TITLE,
  documentLabel,
  formatDate,
  formatPeriod,
  HIGHLIGHT_LIMIT,
  plural,
  quietWeekLine,
  severityLabel,
  shortHash,
  sortExposure,
  subjectFor,
  TEST_SUBJECT,
  watchLabel,
} from "../../lib/format";
import type { AlertContent, ChangeSummary, DigestContent, ElsewhereItem, TrialEndingContent } from "../../lib/messages";
import { groupByPlatform, sortBySeverity } from "../../lib/summary";
import { type Severity, severityRank } from "../../lib/tiers";
import type { OutboundMessage, RenderSlack } from "../types";
import {
  type Block,
  type BlockGroup,
  context,
  divider,
  esc,
  fitBlocks,
  header,
  joinWithin,
  link,
  MAX_SECTION_TEXT,
  section,
  slackDate,
} from "./blocks";

/** Emoji plus the word: the colour alone would not say it (and screen readers read the word). */
const MARK: Record<Severity, string> = { critical: "🚨", high: "🔴", medium: "🟠", low: "⚪" };
const VERB: Record<ChangeSummary["type"], string> = {
  "document.changed": "changed",
  "document.added": "added",
  "document.removed": "removed",
};

/**
 * A notification as a Slack message: Block Kit within Slack's limits, and the subject line as
 * the `text` fallback (notifications, screen readers, clients without blocks). Slack reads that
 * fallback like mrkdwn, so it is escaped as the sections are: a scraped title such as
 * `<!channel>` or `<https://x|label>` arrives as text, not as a mention or a link. Header blocks
 * are plain_text, shown as written, so they take the subject unescaped.
 *
 * @example
 * const { text, blocks } = renderSlack(msg);
 * await client.chat.postMessage({ channel, text, blocks });
 */
export const renderSlack: RenderSlack = (msg) => {
  const subject = subjectFor(msg.content);
  const text = esc(subject);
  const tz = msg.user.timezone;
  switch (msg.content.kind) {
    case "alert":
      return { text, blocks: alertBlocks(msg.content, msg, tz) };
    case "digest":
      return { text, blocks: digestBlocks(msg.content, msg, tz) };
    case "test":
      return {
        text,
        blocks: [
          header(TEST_SUBJECT),
          section(
            "This is a test message from clausewatch. It arrived, so alerts and weekly digests about the terms you watch will reach this channel too.",
          ),
          footer(msg),
        ],
      };
    case "notice":
      // a confirmation link only ever goes to the address it confirms (email); this is for completeness
      if (msg.content.notice === "verify_email") return { text, blocks: [header(subject), section(esc(msg.content.verify_url))] };
      // a sign-in link travels by email to the account address only; never put it in a channel
      if (msg.content.notice === "sign_in_link" || msg.content.notice === "welcome")
        return { text, blocks: [header(text), section("A sign-in link was emailed to the account address.")] };
      // a sign-up confirmation only ever goes to the address signing up (it has no channels)
      if (msg.content.notice === "signup_confirm") return { text, blocks: [header(subject)] };
      return { text, blocks: noticeBlocks(msg.content, msg, tz) };
  }
};

/** The trial-ending notice: when, and what will pause (lists clipped to one section each). */
function noticeBlocks(n: TrialEndingContent, msg: OutboundMessage, tz: string): Block[] {
  const tier = capitalise(n.tier_after);
  const blocks: Block[] = [
    header(`Your ${capitalise(n.trial_tier)} trial ends on ${formatDate(n.trial_ends_at, tz)}`),
    section(
      esc(
        `When it ends your account returns to the ${tier} plan. Nothing is deleted: what ${tier} does not include pauses, and resumes when you upgrade.${n.alerts_end ? " Same-day alerts stop; the weekly digest goes on." : ""}`,
      ),
    ),
  ];
  const list = (title: string, lines: string[], more: number) => {
    if (lines.length === 0) return;
    const tail = more > 0 ? [`…and ${more} more`] : [];
    blocks.push(section(joinWithin([`*${title}*`, ...lines.map((l) => `• ${esc(clip(l, 300))}`), ...tail])));
  };
  list("Watches that will pause", n.watches.map(watchLabel), n.more_watches);
  list(
    "Channels that will pause",
    n.channels.map((c) => `${CHANNEL_TYPE_LABEL[c.type]}: ${c.target}`),
    n.more_channels,
  );
  blocks.push(footer(msg));
  return blocks;
}

function alertBlocks(content: AlertContent, msg: OutboundMessage, tz: string): Block[] {
  const events = sortBySeverity(content.events);
  const groups: BlockGroup[] = events.map((e) => ({ blocks: eventBlocks(e, tz), items: 1 }));
  return fitBlocks([header(subjectFor(content))], groups, [footer(msg)], (n) => [more(n, "change", msg)]);
}

/** One event: what changed and why it matters (section), the evidence (context). */
function eventBlocks(e: ChangeSummary, tz: string): Block[] {
  const lines = [
    `${MARK[e.severity]} *${severityLabel(e.severity)}* · *${link(e.document.url, documentLabel(e))}* ${VERB[e.type]}`,
    esc(clip(e.summary, 1200)),
  ];
  for (const c of e.changes) {
    lines.push(`• *${changeKindLabel(c.kind)}: ${esc(clip(c.provision.title, 200))}* — ${esc(clip(c.summary, 500))}`);
    if (c.before) lines.push(`> _Before:_ ${esc(clip(c.before, 200))}`);
    if (c.after) lines.push(`> _After:_ ${esc(clip(c.after, 200))}`);
    const tags = [
      c.categories.length > 0 ? `Categories: ${esc(c.categories.join(", "))}` : "",
      c.regulations && c.regulations.length > 0 ? `Regulations: ${esc(clip(c.regulations.join(", "), 300))}` : "",
    ].filter(Boolean);
    if (tags.length > 0) lines.push(`    _${tags.join(" · ")}_`);
    lines.push(...elsewhereLines(c.elsewhere ?? []));
  }
  if (e.type === "document.changed" && e.changes.length === 0) {
    lines.push(`_Which provisions changed is part of the Watcher and Professional plans: ${link(e.links.manage, "see plans")}._`);
  }
  const ev = e.evidence;
  const evidence = [
    `Evidence: SHA-256 \`${shortHash(ev.content_sha256)}\``,
    ev.archive_url ? link(ev.archive_url, "archived copy") : "",
    link(ev.source_url, "source"),
    slackDate(e.occurred_at, formatDate(e.occurred_at, tz)),
  ].filter(Boolean);
  return [section(joinWithin(lines)), context(evidence.join(" · ")), divider()];
}

/**
 * "How other platforms handle this" under a change: one line per comparison. They sit in the
 * event's one section (no extra blocks, so the 50-block limit is untouched); joinWithin ends the
 * section with "…" before 3,000 characters if a long event leaves no room.
 */
function elsewhereLines(items: readonly ElsewhereItem[]): string[] {
  if (items.length === 0) return [];
  return [
    "    _How other platforms handle this:_",
    ...items.map(
      (o) =>
        `    ${MARK[o.severity]} *${severityLabel(o.severity)}* ${link(o.document.url, clip(`${o.platform.name} · ${o.document.title}`, 150))} — ${esc(clip(o.provision.title, 100))}: “${esc(clip(o.excerpt, 150))}”`,
    ),
  ];
}

function digestBlocks(content: DigestContent, msg: OutboundMessage, tz: string): Block[] {
  const when = formatPeriod(content.period, tz);
  if (content.watchlist.length === 0) {
    return [header(DIGEST_TITLE), section(`*${esc(when)}*\n${esc(quietWeekLine(content.watched_platforms))}`), footer(msg)];
  }
  const head = [header(DIGEST_TITLE), section(`*${esc(when)}*\n${esc(coverageLine(content.coverage))}.`)];
  const highlights = sortBySeverity(content.highlights).slice(0, HIGHLIGHT_LIMIT);
  if (highlights.length > 0) head.push(section(joinWithin(["*Highlights*", ...highlights.map((e) => itemLine(e, true))])));
  const exposure = sortExposure(content.regulatory_exposure ?? []);
  if (exposure.length > 0) {
    const rows = exposure.map((r) => `${esc(r.regulation)}: ${plural(r.changes, "change")}`);
    head.push(section(joinWithin(["*Regulatory exposure*", rows.join(" · ")])));
  }
  head.push(divider(), section("*Your watchlist*"));

  // The email's item cap, applied after grouping (most severe platforms first).
  let budget = DIGEST_ITEM_LIMIT;
  const groups: BlockGroup[] = [];
  for (const g of groupByPlatform(content.watchlist)) {
    if (budget <= 0) break;
    const { text, shown } = platformSection(g.platform.name, g.items.slice(0, budget), g.items.length);
    budget -= shown;
    groups.push({ blocks: [section(text)], items: shown });
  }
  const listed = groups.reduce((n, g) => n + g.items, 0);
  const hiddenByCap = content.watchlist.length - listed;
  const tail = hiddenByCap > 0 ? [more(hiddenByCap, "change", msg)] : [footer(msg)];
  return fitBlocks(head, groups, tail, (n) => [more(n + hiddenByCap, "change", msg)]);
}

/** One platform's items, as many as fit in one section; the rest counted on a last line. */
function platformSection(name: string, items: ChangeSummary[], total: number): { text: string; shown: number } {
  const title = `*${esc(clip(name, 200))}* (${plural(total, "change")})`;
  const reserve = 40; // room for the "…and N more" line
  let text = title;
  let shown = 0;
  for (const e of items) {
    const next = `${text}\n${itemLine(e, false)}`;
    if (next.length > MAX_SECTION_TEXT - reserve) break;
    text = next;
    shown++;
  }
  if (shown < total) text += `\n…and ${total - shown} more from ${esc(clip(name, 20))}`;
  return { text, shown };
}

function itemLine(e: ChangeSummary, withPlatform: boolean): string {
  const label = withPlatform ? documentLabel(e) : e.document.title;
  const provisions = e.changes.map((c) => `${changeKindLabel(c.kind)}: ${c.provision.title}`).join("; ");
  const detail = provisions ? `\n    _${esc(clip(provisions, 300))}_` : "";
  // the compact form of "how other platforms handle this": the platforms, most severe first
  const others = [...new Map(e.changes.flatMap((c) => c.elsewhere ?? []).map((o) => [o.platform.slug, o])).values()]
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity))
    .slice(0, 3);
  const elsewhere =
    others.length > 0
      ? `\n    _Elsewhere: ${others.map((o) => `${esc(clip(o.platform.name, 60))} (${severityLabel(o.severity)})`).join(", ")}_`
      : "";
  return `• ${MARK[e.severity]} *${severityLabel(e.severity)}* ${link(e.document.url, clip(label, 200))} — ${esc(clip(e.summary, 300))}${detail}${elsewhere}`;
}

function footer(msg: OutboundMessage): Block {
  return context(`${link(msg.links.manage, "Manage preferences")} · ${link(msg.links.unsubscribe, "Unsubscribe")}`);
}

/** Ends a message whose items did not all fit: how many are missing, and where they are. */
function more(hidden: number, noun: string, msg: OutboundMessage): Block {
  return section(
    `…and ${plural(hidden, `more ${noun}`)}. ${link(msg.links.manage, "See them all and manage preferences")} · ${link(msg.links.unsubscribe, "Unsubscribe")}`,
  );
}
