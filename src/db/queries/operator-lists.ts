import { and, desc, eq, gte, lt, or, type SQL, sql } from "drizzle-orm";
import type { Cursor } from "../../lib/pagination";
import { events, users } from "../schema";
import type { EventRow } from "../schema/events";
import type { UserRow } from "../schema/users";
import type { Db } from "../types";

/**
 * The operator's lists, newest first, keyset-paged on (created_at | received_at, id): a page
 * never repeats or skips a row when rows arrive between pages. Each fetches `limit + 1` rows so
 * the caller knows whether there is a next page.
 */
export interface UserFilter {
  /** exact address, compared case-insensitively (the unique index is on lower(email)) */
  email?: string;
  /** the stored tier, not the effective one */
  tier?: UserRow["tier"];
}

export function listUsers(db: Db, filter: UserFilter, limit: number, after?: Cursor): Promise<UserRow[]> {
  const where: (SQL | undefined)[] = [
    filter.email ? sql`lower(${users.email}) = ${filter.email.toLowerCase()}` : undefined,
    filter.tier ? eq(users.tier, filter.tier) : undefined,
    after ? or(lt(users.createdAt, after.at), and(eq(users.createdAt, after.at), lt(users.id, after.id))) : undefined,
  ];
  return db
    .select()
    .from(users)
    .where(and(...where))
    .orderBy(desc(users.createdAt), desc(users.id))
    .limit(limit + 1);
}

export interface EventFilter {
  platform?: string;
  /** received at or after this instant */
  since?: Date;
}

/** Every column but the stored body and payload: a list of thousands must stay small. */
const eventColumns = {
  id: events.id,
  type: events.type,
  occurredAt: events.occurredAt,
  platformSlug: events.platformSlug,
  documentSlug: events.documentSlug,
  severity: events.severity,
  receivedAt: events.receivedAt,
  fannedOutAt: events.fannedOutAt,
  matchedUsers: events.matchedUsers,
  alerts: events.alerts,
  digestItems: events.digestItems,
  platformName: sql<string>`${events.payload}->'platform'->>'name'`,
  documentTitle: sql<string>`${events.payload}->'document'->>'title'`,
  documentUrl: sql<string>`${events.payload}->'document'->>'url'`,
};

export type EventListRow = Pick<
  EventRow,
  | "id"
  | "type"
  | "occurredAt"
  | "platformSlug"
  | "documentSlug"
  | "severity"
  | "receivedAt"
  | "fannedOutAt"
  | "matchedUsers"
  | "alerts"
  | "digestItems"
> & { platformName: string; documentTitle: string; documentUrl: string };

export function listEvents(db: Db, filter: EventFilter, limit: number, after?: Cursor): Promise<EventListRow[]> {
  const where: (SQL | undefined)[] = [
    filter.platform ? eq(events.platformSlug, filter.platform) : undefined,
    filter.since ? gte(events.receivedAt, filter.since) : undefined,
    after ? or(lt(events.receivedAt, after.at), and(eq(events.receivedAt, after.at), lt(events.id, after.id))) : undefined,
  ];
  return db
    .select(eventColumns)
    .from(events)
    .where(and(...where))
    .orderBy(desc(events.receivedAt), desc(events.id))
    .limit(limit + 1);
}

export async function getEvent(db: Db, id: string): Promise<EventListRow | undefined> {
  const [row] = await db.select(eventColumns).from(events).where(eq(events.id, id)).limit(1);
  return row;
}
