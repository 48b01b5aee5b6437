import { fromBase64Url, toBase64Url } from "./crypto";
import { ApiError } from "./errors";

/**
 * Keyset cursors over (created_at, id): stable when rows are added between pages.
 * Opaque to clients; a tampered cursor is a 400, never a 500.
 */
export interface Cursor {
  at: Date;
  id: string;
}

/**
 * FNV-1a over the cursor's fields. Not a signature: a cursor only ever selects among the caller's
 * own rows, so forging one gains nothing; the check makes an edited or truncated cursor a clear
 * 400 instead of a silently different page.
 */
function checksum(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

export function encodeCursor(c: Cursor): string {
  const at = c.at.toISOString();
  return toBase64Url(new TextEncoder().encode(JSON.stringify([at, c.id, checksum(`${at}|${c.id}`)])));
}

/** What encodeCursor writes: an ISO instant the database can read back, and an id. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Our ids, and producers' event ids (1–200 printable ASCII characters, as ingest accepts). */
const ID = /^[\x20-\x7e]{1,200}$/;

/**
 * Checks the decoded cursor as strictly as encodeCursor writes it, so an edited cursor (a year
 * 0 or 275760 date, a NUL in the id) is a 400 here rather than an error inside the query.
 */
export function decodeCursor(s: string | undefined): Cursor | undefined {
  if (!s) return undefined;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(s)) throw new Error("bad cursor");
    const parsed: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fromBase64Url(s)));
    if (!Array.isArray(parsed) || parsed.length !== 3) throw new Error("bad cursor");
    const [at, id, sum] = parsed as unknown[];
    if (typeof at !== "string" || !ISO_INSTANT.test(at) || typeof id !== "string" || !ID.test(id)) throw new Error("bad cursor");
    if (sum !== checksum(`${at}|${id}`)) throw new Error("bad cursor");
    const d = new Date(at);
    if (Number.isNaN(d.getTime()) || d.toISOString() !== at || at.startsWith("0000")) throw new Error("bad cursor");
    return { at: d, id };
  } catch {
    throw new ApiError("invalid_request", "cursor: not a cursor this API issued");
  }
}

/** Rows were fetched with limit + 1; the extra one says there is a next page. */
export function page<T>(rows: T[], limit: number, key: (row: T) => Cursor): { items: T[]; next_cursor: string | null } {
  if (rows.length <= limit) return { items: rows, next_cursor: null };
  const items = rows.slice(0, limit);
  return { items, next_cursor: encodeCursor(key(items[items.length - 1])) };
}
