/**
 * Slack Block Kit primitives that keep Slack's limits by construction: a header's plain text
 * ≤ 150 characters, a section's or context element's mrkdwn ≤ 3,000, a message ≤ 50 blocks.
 * Slack rejects the whole message (invalid_blocks) when one limit is broken, so every text
 * goes through these helpers rather than into a literal block.
 */
import { ELLIPSIS, truncate } from "../../lib/format";

export type Block = Record<string, unknown>;

const MAX_BLOCKS = 50;
export const MAX_SECTION_TEXT = 3000;
const MAX_HEADER_TEXT = 150;

/** &, < and > are Slack's control characters; everything user-supplied goes through this. */
export const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** `<url|label>`; a URL may not carry the characters that end the link early. */
export function link(url: string, label: string): string {
  const safe = url.replace(/[|<>\s]/g, (c) => encodeURIComponent(c));
  return `<${safe}|${esc(label)}>`;
}

/** A date each reader sees in their own zone, with a UTC fallback for old clients. */
export function slackDate(iso: string, fallback: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  return Number.isFinite(seconds) ? `<!date^${seconds}^{date_short}|${esc(fallback)}>` : esc(fallback);
}

export const header = (text: string): Block => ({
  type: "header",
  text: { type: "plain_text", text: truncate(text.replace(/\s+/g, " ").trim(), MAX_HEADER_TEXT), emoji: true },
});

export const section = (mrkdwn: string): Block => ({
  type: "section",
  text: { type: "mrkdwn", text: truncate(mrkdwn, MAX_SECTION_TEXT) },
});

export const context = (mrkdwn: string): Block => ({
  type: "context",
  elements: [{ type: "mrkdwn", text: truncate(mrkdwn, MAX_SECTION_TEXT) }],
});

export const divider = (): Block => ({ type: "divider" });

/**
 * Lines joined until the next would pass `max`; a cut ends in "…" on its own line, so no
 * link or emphasis is split. Only a single line longer than `max` is cut mid-text, and
 * callers clip their fields well below that.
 */
export function joinWithin(lines: readonly string[], max = MAX_SECTION_TEXT): string {
  let out = "";
  for (const line of lines) {
    const next = out ? `${out}\n${line}` : line;
    if (next.length <= max) {
      out = next;
      continue;
    }
    if (!out) return truncate(line, max);
    return out.length + 1 + ELLIPSIS.length <= max ? `${out}\n${ELLIPSIS}` : truncate(out, max);
  }
  return out;
}

/** A run of blocks standing for `items` things the reader would otherwise miss. */
export interface BlockGroup {
  blocks: Block[];
  items: number;
}

/**
 * head, as many groups as fit, then the tail — or, when some groups do not fit, `more(n)`
 * (n = the items left out) instead of the tail, so the message always ends with a way to
 * the rest. The result never has more than MAX_BLOCKS blocks.
 */
export function fitBlocks(head: Block[], groups: BlockGroup[], tail: Block[], more: (hidden: number) => Block[]): Block[] {
  const all = groups.flatMap((g) => g.blocks);
  if (head.length + all.length + tail.length <= MAX_BLOCKS) return [...head, ...all, ...tail];
  const total = groups.reduce((n, g) => n + g.items, 0);
  const room = MAX_BLOCKS - head.length - more(total).length;
  const out = [...head];
  let shown = 0;
  for (const g of groups) {
    if (out.length - head.length + g.blocks.length > room) break;
    out.push(...g.blocks);
    shown += g.items;
  }
  return [...out, ...more(total - shown)];
}
