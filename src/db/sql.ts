import { type SQL, sql } from "drizzle-orm";

/**
 * A JS Date as a SQL `timestamptz` inside a raw `sql` template. postgres-js (through drizzle) will
 * not serialize a Date there, so it travels as its ISO text (UTC, milliseconds) with an explicit
 * cast: the same instant on PGlite and PostgreSQL, whatever the session's time zone.
 *
 * @example sql`update users set updated_at = ${instant(now)} where id = ${id}`
 */
export const instant = (d: Date): SQL => sql`${d.toISOString()}::timestamptz`;
