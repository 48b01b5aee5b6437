import { inArray, sql } from "drizzle-orm";
import { type ChannelSecret, openSecret } from "../db/queries/channels";
import { channels, digests, events, suppressions, users } from "../db/schema";
import type { ChannelRow } from "../db/schema/channels";
import type { UserRow } from "../db/schema/users";
import { type Db, rows, textArray } from "../db/types";
import type { ChangeEvent } from "../ingest/event-schema";
import type { Keys } from "../lib/crypto";
import { messageLinks, scopeForKind } from "../lib/links";
import { ENTITLEMENTS, effectiveTier } from "../lib/tiers";
import type { Claimed, Outcome } from "./outbox";
import { sortBySeverity, toChangeSummary } from "./summary";
import type { DigestPlan } from "../digest/plan";
import type { Tier } from "../lib/tiers";
import type { ChangeSummary, DigestContent, MessageContent, OutboundMessage } from "./types";

export interface Composed {
  ready: { claimed: Claimed; msg: OutboundMessage }[];
  /** rows that must not be sent, decided before any provider is called */
  skipped: Outcome[];
}

/** Why a claimed notification must not go out now, or null. Checked at send time, not at queue time. */
function skipReason(
  c: Claimed,
  user: UserRow | undefined,
  ch: ChannelRow | undefined,
  suppressed: Map<string, string>,
  now: Date,
): string | null {
  if (!user || !ch) return "gone";
  if (ch.deletedAt) return "channel_deleted";
  if (ch.status !== "active") return `channel_${ch.status}`;
  if (c.kind === "alert" && user.alertsOff) return "unsubscribed";
  if (c.kind === "digest" && user.digestsOff) return "unsubscribed";
  if (c.kind === "alert" && !ENTITLEMENTS[effectiveTier(user, now)].sameDayAlerts) return "tier_limit";
  if (ch.type === "email") {
    const why = suppressed.get(ch.target.toLowerCase());
    if (why) return `address_suppressed: ${why}`;
  }
  return null;
}

function digestContent(plan: DigestPlan, eventById: Map<string, ChangeEvent>, tier: Tier, links: ChangeSummary["links"]): DigestContent {
  const summaries = (ids: string[]) =>
    ids.flatMap((id) => {
      const e = eventById.get(id);
      return e ? [toChangeSummary(e, tier, links)] : [];
    });
  return {
    kind: "digest",
    period: plan.period,
    watchlist: summaries(plan.watchlist),
    highlights: summaries(plan.highlights),
    coverage: plan.coverage,
    ...(plan.regulatory_exposure ? { regulatory_exposure: plan.regulatory_exposure } : {}),
    watched_platforms: plan.watched_platforms,
  };
}

/**
 * Turns claimed rows into messages with a handful of set queries (users, channels, suppressions,
 * linked events), never one query per row.
 */
export async function compose(db: Db, keys: Keys, publicUrl: string, claimed: Claimed[], now: Date): Promise<Composed> {
  const ids = (f: (c: Claimed) => string) => [...new Set(claimed.map(f))];
  const [us, chs] = await Promise.all([
    db
      .select()
      .from(users)
      .where(
        inArray(
          users.id,
          ids((c) => c.user_id),
        ),
      ),
    db
      .select()
      .from(channels)
      .where(
        inArray(
          channels.id,
          ids((c) => c.channel_id),
        ),
      ),
  ]);
  const userById = new Map(us.map((u) => [u.id, u]));
  const channelById = new Map(chs.map((ch) => [ch.id, ch]));
  const addresses = chs.filter((ch) => ch.type === "email").map((ch) => ch.target.toLowerCase());
  const sup = addresses.length ? await db.select().from(suppressions).where(inArray(suppressions.email, addresses)) : [];
  const suppressed = new Map(sup.map((s) => [s.email, s.reason]));

  const digestIds = claimed.flatMap((c) => (c.kind === "digest" && c.digest_id ? [c.digest_id] : []));
  const plans = digestIds.length ? await db.select().from(digests).where(inArray(digests.id, digestIds)) : [];
  const planById = new Map(plans.map((d) => [d.id, d.plan]));
  const digestEventIds = [...new Set(plans.flatMap((d) => [...d.plan.watchlist, ...d.plan.highlights]))];
  const digestEvents = digestEventIds.length
    ? await db.select({ id: events.id, payload: events.payload }).from(events).where(inArray(events.id, digestEventIds))
    : [];
  const eventById = new Map(digestEvents.map((e) => [e.id, e.payload]));

  const alertIds = claimed.filter((c) => c.kind === "alert").map((c) => c.id);
  const linked = alertIds.length
    ? await rows<{ notification_id: string; payload: ChangeEvent }>(
        db,
        sql`select ne.notification_id, e.payload from notification_events ne join events e on e.id = ne.event_id
            where ne.notification_id = any(${textArray(alertIds)})`,
      )
    : [];
  const eventsByNotification = new Map<string, ChangeEvent[]>();
  for (const l of linked) {
    const list = eventsByNotification.get(l.notification_id) ?? [];
    list.push(l.payload);
    eventsByNotification.set(l.notification_id, list);
  }

  const out: Composed = { ready: [], skipped: [] };
  for (const c of claimed) {
    const user = userById.get(c.user_id);
    const ch = channelById.get(c.channel_id);
    const events = eventsByNotification.get(c.id) ?? [];
    const plan = c.digest_id ? planById.get(c.digest_id) : undefined;
    const why =
      skipReason(c, user, ch, suppressed, now) ??
      (c.kind === "alert" && events.length === 0 ? "no_events" : c.kind === "digest" && !plan ? "no_digest" : null);
    if (why || !user || !ch) {
      out.skipped.push({ id: c.id, attempts: c.attempts, status: "suppressed", statusReason: why ?? "gone" });
      continue;
    }
    const tier = effectiveTier(user, now);
    // Links are derived from the notification, not the clock, so every retry renders the same bytes
    // (Resend compares a retried payload with the first under the same Idempotency-Key).
    const links = await messageLinks(keys, publicUrl, user.id, scopeForKind(c.kind), new Date(c.created_at));
    let content: MessageContent;
    if (c.kind === "alert")
      content = { kind: "alert", events: sortBySeverity(events.map((e) => toChangeSummary(e, tier, links))) };
    else if (c.kind === "digest" && plan) content = digestContent(plan, eventById, tier, links);
    else content = { kind: "test" };
    const secret = ch.secretEnc ? await openSecret<ChannelSecret>(keys, ch.secretEnc) : null;
    out.ready.push({
      claimed: c,
      msg: {
        id: c.id,
        kind: c.kind,
        createdAt: new Date(c.created_at),
        attempt: c.attempts,
        user: { id: user.id, email: user.email, tier, timezone: user.timezone },
        channel: { id: ch.id, type: ch.type, target: ch.target, secret },
        content,
        links,
      },
    });
  }
  return out;
}
