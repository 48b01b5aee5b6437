import type { CSSProperties } from "react";
import type { Severity } from "../../src/lib/tiers";

/**
 * Colours chosen for at least 4.5:1 contrast (WCAG AA) on their backgrounds; system fonts only,
 * since an email may not load anything external.
 */
export const color = {
  text: "#1f2328",
  muted: "#57606a",
  border: "#d0d7de",
  surface: "#f6f8fa",
  link: "#0b57d0",
  page: "#ffffff",
} as const;

/** Severity is always written out as a word too; colour is never the only signal. */
export const severityColor: Record<Severity, string> = {
  critical: "#a40e26",
  high: "#b3400b",
  medium: "#7d4e00",
  low: "#4b5563",
};

const fontFamily =
  '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif, "Apple Color Emoji", "Segoe UI Emoji"';

export const s = {
  /** the one call to action of a short email (confirm, sign in) */
  button: {
    backgroundColor: color.link,
    color: "#ffffff",
    fontSize: "15px",
    fontWeight: 600,
    padding: "10px 18px",
    borderRadius: "6px",
    textDecoration: "none",
  },
  body: { backgroundColor: color.page, color: color.text, fontFamily, margin: 0, padding: "12px 0" },
  // border-box: width 100% plus the padding must not be wider than a 390 px phone; any long word
  // (a URL in a summary, a token) wraps instead of widening the page
  container: {
    maxWidth: "600px",
    width: "100%",
    padding: "0 16px",
    boxSizing: "border-box",
    overflowWrap: "anywhere",
    wordBreak: "break-word",
  },
  brand: { fontSize: "14px", fontWeight: 700, letterSpacing: "0.02em", color: color.text, margin: "8px 0 0" },
  h1: { fontSize: "22px", lineHeight: "30px", fontWeight: 700, margin: "16px 0 8px", color: color.text },
  h2: { fontSize: "18px", lineHeight: "26px", fontWeight: 700, margin: "24px 0 8px", color: color.text },
  h3: { fontSize: "16px", lineHeight: "24px", fontWeight: 700, margin: "0 0 4px", color: color.text },
  p: { fontSize: "15px", lineHeight: "23px", margin: "8px 0", color: color.text },
  small: { fontSize: "13px", lineHeight: "20px", margin: "4px 0", color: color.muted },
  // textDecorationLine replaces the key <Link> sets by default rather than adding a second one
  link: { color: color.link, textDecorationLine: "underline", overflowWrap: "anywhere", wordBreak: "break-word" },
  /** a link whose text is a URL: breaks anywhere, so a 200-character token wraps on a phone */
  url: { color: color.link, textDecorationLine: "underline", overflowWrap: "anywhere", wordBreak: "break-all" },
  item: { fontSize: "15px", lineHeight: "22px", fontWeight: 600, margin: "0", color: color.text },
  itemText: { fontSize: "15px", lineHeight: "22px", margin: "2px 0", color: color.text },
  hr: { borderColor: color.border, margin: "24px 0" },
  elsewhere: { margin: "8px 0 0", padding: "4px 0 4px 10px", borderLeft: `2px solid ${color.border}` },
  card: { border: `1px solid ${color.border}`, borderRadius: "6px", padding: "12px 14px", margin: "12px 0" },
  quote: {
    fontSize: "14px",
    lineHeight: "21px",
    margin: "4px 0",
    padding: "6px 10px",
    backgroundColor: color.surface,
    borderLeft: `3px solid ${color.border}`,
    color: color.text,
    wordBreak: "break-word",
  },
} satisfies Record<string, CSSProperties>;

export const badge = (severity: Severity): CSSProperties => ({
  backgroundColor: severityColor[severity],
  color: "#fff",
  fontSize: "12px",
  fontWeight: 700,
  padding: "1px 6px",
  borderRadius: "3px",
});
