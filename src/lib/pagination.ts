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

export function encodeCursor(c: Cursor): string {
  return toBase64Url(new TextEncoder().encode(JSON.stringify([c.at.toISOString(), c.id])));
}

export function decodeCursor(s: string | undefined): Cursor | undefined {
  if (!s) return undefined;
  try {
    const [at, id] = JSON.parse(new TextDecoder().decode(fromBase64Url(s))) as [unknown, unknown];
    const d = new Date(String(at));
    if (typeof id !== "string" || Number.isNaN(d.getTime())) throw new Error("bad cursor");
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
