import { eq } from "drizzle-orm";
import { nextDigestAt } from "../../lib/digest-schedule";
import type { Day } from "../../lib/time";
import { users } from "../schema";
import type { UserRow } from "../schema/users";
import type { Db } from "../types";

/** What `PATCH /v1/me` and the preference page may change; nested objects merge. */
export interface PreferencesPatch {
  timezone?: string;
  digest?: { day?: Day; hour?: number; send_when_empty?: boolean };
  alerts?: { window_minutes?: number; quiet_hours?: { start: string; end: string } | null };
}

/**
 * Applies a (validated) preferences patch. A new zone, day or hour applies to the next digest
 * not yet sent: `next_digest_at` is recomputed, the items collected so far stay.
 *
 * @example await updatePreferences(db, user, { digest: { day: "fri", hour: 8 } }, now)
 */
export async function updatePreferences(db: Db, user: UserRow, patch: PreferencesPatch, now: Date): Promise<UserRow> {
  const quiet = patch.alerts?.quiet_hours;
  const timezone = patch.timezone ?? user.timezone;
  const day = patch.digest?.day ?? user.digestDay;
  const hour = patch.digest?.hour ?? user.digestHour;
  const rescheduled = timezone !== user.timezone || day !== user.digestDay || hour !== user.digestHour;
  const [updated] = await db
    .update(users)
    .set({
      ...(rescheduled ? { nextDigestAt: nextDigestAt(day, hour, timezone, now) } : {}),
      timezone: patch.timezone,
      digestDay: patch.digest?.day,
      digestHour: patch.digest?.hour,
      digestSendWhenEmpty: patch.digest?.send_when_empty,
      alertWindowMinutes: patch.alerts?.window_minutes,
      ...(quiet !== undefined ? { quietStart: quiet?.start ?? null, quietEnd: quiet?.end ?? null } : {}),
      updatedAt: now,
    })
    .where(eq(users.id, user.id))
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
