import { effectiveTier, TRIAL_TIER } from "../lib/tiers";
import type { UserRow } from "../services/users";
import type { WatchRow } from "../services/watches";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function userJson(u: UserRow, now: Date) {
  return {
    id: u.id,
    email: u.email,
    tier: u.tier,
    effective_tier: effectiveTier(u, now),
    trial_tier: u.trialEndsAt ? (u.trialTier ?? TRIAL_TIER) : null,
    trial_ends_at: iso(u.trialEndsAt),
    timezone: u.timezone,
    digest: { day: u.digestDay, hour: u.digestHour, send_when_empty: u.digestSendWhenEmpty },
    alerts: {
      window_minutes: u.alertWindowMinutes,
      quiet_hours: u.quietStart && u.quietEnd ? { start: u.quietStart, end: u.quietEnd } : null,
    },
    created_at: u.createdAt.toISOString(),
  };
}

export function watchJson(w: WatchRow) {
  return {
    id: w.id,
    platform: w.platform,
    document: w.document,
    provision: w.provision,
    min_severity: w.minSeverity,
    categories: w.categories,
    paused: w.paused,
    paused_reason: w.pausedReason,
    created_at: w.createdAt.toISOString(),
  };
}
