import { type AnyColumn, and, eq, gt, lt, or, type SQL } from "drizzle-orm";
import { fromBase64Url, toBase64Url } from "./crypto";
import { ApiError } from "./errors";

/**
 * Keyset pagination, the one place for it: the cursors (opaque to clients; a tampered cursor is
 * a 400, never a 500), the condition that selects the rows after a cursor, and the page cut.
 *
 * The usual cursor is over (created_at, id): stable when rows are added between pages.
 */
export interface Cursor {
  at: Date;
  id: string;
}

/** A position in the timeline: newest first by (occurred_at, event id), then a change's ordinal. */
export interface TimelineKey {
  at: Date;
  eventId: string;
  /** 1-based position of the change in the event; 0 for an event without changes */
  ord: number;
}

/** One page of rows and the cursor of the next (null on the last page). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
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

/** Every cursor's envelope: base64url of a JSON array of its fields followed by their checksum. */
function seal(fields: readonly (string | number)[], sum: string): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify([...fields, sum])));
}

/** Opens an envelope of `length` elements (checksum included); throws on anything seal could not have written. */
function unseal(s: string, length: number): unknown[] {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) throw new Error("bad cursor");
  const parsed: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(fromBase64Url(s)));
  if (!Array.isArray(parsed) || parsed.length !== length) throw new Error("bad cursor");
  return parsed;
}

/** Runs a cursor reader: no cursor is undefined, and any failure is the one 400 a client sees. */
function readCursor<T>(s: string | undefined, read: (s: string) => T): T | undefined {
  if (!s) return undefined;
  try {
    return read(s);
  } catch {
    throw new ApiError("invalid_request", "cursor: not a cursor this API issued");
  }
}

/** An instant exactly as toISOString wrote it, or a throw. */
function instantOf(at: string): Date {
  const d = new Date(at);
  if (Number.isNaN(d.getTime()) || d.toISOString() !== at) throw new Error("bad cursor");
  return d;
}

export function encodeCursor(c: Cursor): string {
  const at = c.at.toISOString();
  return seal([at, c.id], checksum(`${at}|${c.id}`));
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
  return readCursor(s, (text) => {
    const [at, id, sum] = unseal(text, 3);
    if (typeof at !== "string" || !ISO_INSTANT.test(at) || typeof id !== "string" || !ID.test(id)) throw new Error("bad cursor");
    if (sum !== checksum(`${at}|${id}`)) throw new Error("bad cursor");
    if (at.startsWith("0000")) throw new Error("bad cursor");
    return { at: instantOf(at), id };
  });
}

/** Opaque to clients: the last item's (occurred_at, event id, change ordinal). */
export function encodeTimelineCursor(k: TimelineKey): string {
  const fields = [k.at.toISOString(), k.eventId, k.ord] as const;
  return seal(fields, checksum(JSON.stringify(fields)));
}

export function decodeTimelineCursor(s: string | undefined): TimelineKey | undefined {
  return readCursor(s, (text) => {
    const [at, eventId, ord, sum] = unseal(text, 4);
    if (typeof at !== "string" || typeof eventId !== "string" || typeof ord !== "number") throw new Error("bad cursor");
    if (sum !== checksum(JSON.stringify([at, eventId, ord]))) throw new Error("bad cursor");
    const d = instantOf(at);
    if (!/^[\x21-\x7e][\x20-\x7e]{0,199}$/.test(eventId) || !Number.isInteger(ord) || ord < 0 || ord > 1000)
      throw new Error("bad cursor");
    return { at: d, eventId, ord };
  });
}

/**
 * A cursor that is the last row's own unique sort key (e.g. a slug): anything `valid` refuses was
 * not issued by this API.
 */
export function decodeKeyCursor(s: string | undefined, valid: (key: string) => boolean): string | undefined {
  return readCursor(s, (key) => {
    if (!valid(key)) throw new Error("bad cursor");
    return key;
  });
}

/**
 * The rows after `cursor` in (at, id) order — ascending or descending — as a condition to AND
 * into the query's where; undefined (no condition) on the first page.
 *
 * @example db.select().from(watches).where(and(eq(watches.userId, id), afterCursor(watches.createdAt, watches.id, after, "asc")))
 */
export function afterCursor(at: AnyColumn, id: AnyColumn, cursor: Cursor | undefined, order: "asc" | "desc"): SQL | undefined {
  if (!cursor) return undefined;
  const past = order === "asc" ? gt : lt;
  return or(past(at, cursor.at), and(eq(at, cursor.at), past(id, cursor.id)));
}

/** Rows were fetched with limit + 1; the extra one says there is a next page, whose cursor `cursorOf` writes. */
export function keysetPage<T>(rows: T[], limit: number, cursorOf: (last: T) => string): Page<T> {
  if (rows.length <= limit) return { items: rows, next_cursor: null };
  const items = rows.slice(0, limit);
  return { items, next_cursor: cursorOf(items[items.length - 1]) };
}

/** keysetPage over (created_at, id) cursors. */
export function page<T>(rows: T[], limit: number, key: (row: T) => Cursor): Page<T> {
  return keysetPage(rows, limit, (last) => encodeCursor(key(last)));
}
