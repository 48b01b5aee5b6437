/**
 * RFC 4180 CSV, safe to open in a spreadsheet: a cell that starts like a formula (`=`, `+`, `-`,
 * `@`, tab, CR — OWASP's "CSV injection" list) gets a leading `'`, so Excel, LibreOffice and
 * Sheets show it as text instead of evaluating it. Fields with `"`, `,`, CR or LF are quoted,
 * quotes doubled; records end with CRLF.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell: null and undefined are empty, numbers as written, text escaped as above. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * One record, CRLF-terminated.
 * @example csvRecord(["=1+1", "a,b", null]) // "'=1+1,\"a,b\",\r\n"
 */
export function csvRecord(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
