import { eq } from "drizzle-orm";
import { users } from "../schema";
import type { UserRow } from "../schema/users";
import type { Db } from "../types";

/** The schedule and alert columns a preferences change writes; an undefined field is left as it is. */
export type SettingsUpdate = Partial<
  Pick<
    typeof users.$inferInsert,
    | "timezone"
    | "digestDay"
    | "digestHour"
    | "digestSendWhenEmpty"
    | "alertWindowMinutes"
    | "quietStart"
    | "quietEnd"
    | "nextDigestAt"
  >
>;

export async function updateSettings(db: Db, userId: string, set: SettingsUpdate, now: Date): Promise<UserRow> {
  const [updated] = await db
    .update(users)
    .set({ ...set, updatedAt: now })
    .where(eq(users.id, userId))
    .returning();
  return updated;
}

/** Which message lists the user receives (the unsubscribe links and the page flip these). */
export async function setSubscriptions(
  db: Db,
  userId: string,
  subs: { alerts?: boolean; digests?: boolean },
  now: Date,
): Promise<void> {
  await db
    .update(users)
    .set({
      ...(subs.alerts !== undefined ? { alertsOff: !subs.alerts } : {}),
      ...(subs.digests !== undefined ? { digestsOff: !subs.digests } : {}),
      updatedAt: now,
    })
    .where(eq(users.id, userId));
}
