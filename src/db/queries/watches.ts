import { and, asc, eq } from "drizzle-orm";
import { afterCursor, type Cursor } from "../../lib/pagination";
import { watches } from "../schema";
import type { WatchRow } from "../schema/watches";
import type { Db } from "../types";

/** What a watch matches: the fields its fingerprint covers (the rules live in services/watches.ts). */
export type WatchShape = Pick<WatchRow, "platform" | "document" | "provision" | "minSeverity" | "categories">;

/** The columns a write sets: the shape plus what is derived from it. */
export type WatchValues = WatchShape & { minSeverityRank: number; fingerprint: string };

/** The user's watch, or undefined (also when it is another user's). */
export async function findWatch(db: Db, userId: string, id: string): Promise<WatchRow | undefined> {
  const [w] = await db
    .select()
    .from(watches)
    .where(and(eq(watches.id, id), eq(watches.userId, userId)))
    .limit(1);
  return w;
}

/** Every watch of the user, oldest first (the page shows them all; the API pages). */
export function listWatches(db: Db, userId: string): Promise<WatchRow[]> {
  return db.select().from(watches).where(eq(watches.userId, userId)).orderBy(asc(watches.createdAt), asc(watches.id));
}

/** Up to `limit + 1` of the user's watches after the cursor, oldest first. */
export function watchesAfter(db: Db, userId: string, after: Cursor | undefined, limit: number): Promise<WatchRow[]> {
  return db
    .select()
    .from(watches)
    .where(and(eq(watches.userId, userId), afterCursor(watches.createdAt, watches.id, after, "asc")))
    .orderBy(asc(watches.createdAt), asc(watches.id))
    .limit(limit + 1);
}

export async function insertWatch(db: Db, userId: string, values: WatchValues, now: Date): Promise<WatchRow> {
  const [w] = await db
    .insert(watches)
    .values({ userId, ...values, createdAt: now })
    .returning();
  return w;
}

export async function updateWatchRow(
  db: Db,
  id: string,
  values: WatchValues & Pick<WatchRow, "paused" | "pausedReason">,
): Promise<WatchRow> {
  const [w] = await db.update(watches).set(values).where(eq(watches.id, id)).returning();
  return w;
}

/** Deletes the user's watch; false when there was none (or it is another user's). */
export async function deleteWatchRow(db: Db, userId: string, id: string): Promise<boolean> {
  const gone = await db
    .delete(watches)
    .where(and(eq(watches.id, id), eq(watches.userId, userId)))
    .returning({ id: watches.id });
  return gone.length > 0;
}
