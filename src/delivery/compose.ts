import { inArray, sql } from "drizzle-orm";
import { type ChannelSecret, openSecret, type VerifyNoticePayload, verifyNoticeKey } from "../db/queries/channels";
import { optedOut } from "../db/queries/confirmations";
import { channels, digests, events, suppressions, users } from "../db/schema";
import type { ChannelRow } from "../db/schema/channels";
import type { DigestPlan } from "../db/schema/digests";
import type { NotificationKind } from "../db/schema/notifications";
import type { UserRow } from "../db/schema/users";
import { type Db, rows, textArray } from "../db/types";
import type { Keys } from "../lib/crypto";
import type { ChangeEvent } from "../lib/event-schema";
import { messageLinks, scopeForKind, signInLink, type UnsubscribeScope } from "../lib/links";
import type { ChangeSummary, DigestContent, MessageContent, TrialEndingContent } from "../lib/messages";
import { sortBySeverity, toChangeSummary } from "../lib/summary";
import type { Tier } from "../lib/tiers";
import { ENTITLEMENTS, effectiveTier } from "../lib/tiers";
import { verifyEmailLink } from "../lib/verify-link";
import { type ElsewhereLookup, loadElsewhere } from "./elsewhere";
import type { Claimed, Outcome } from "./outbox";
import { type AccountClaimed, composeAddressNotices, splitByRecipient, welcomeContent } from "./signup-notices";
import type { OutboundMessage } from "./types";

export interface Composed {
  ready: { claimed: Claimed; msg: OutboundMessage }[];
  /** rows that must not be sent, decided before any provider is called (with their channel's type, when it still exists) */
  skipped: (Outcome & { channelType?: ChannelRow["type"] })[];
}

/** Claimed rows may carry every kind the table holds (outbox's `Claimed.kind` predates `notice`). */
const kindOf = (c: Claimed): NotificationKind => c.kind;

/**
 * A confirmation email queued with its channel (db/queries/channels.ts): the address it names,
 * when it is for exactly this channel; else null.
 */
function verifyAddress(payload: unknown, channelId: string): string | null {
  if (!payload || typeof payload !== "object") return null;
  const p = payload as Partial<VerifyNoticePayload>;
  if (p.notice !== "verify_email" || p.key !== verifyNoticeKey(channelId) || typeof p.address !== "string") return null;
  return p.address;
}

/**
 * A notice carrying a sign-in link: one asked for (services/sign-in.ts) or the welcome of an
 * account a sign-up created (services/signup.ts). Both go to the account's own address only.
 */
function isSignInNotice(payload: unknown): boolean {
  const notice = payload && typeof payload === "object" ? (payload as { notice?: unknown }).notice : undefined;
  return notice === "sign_in_link" || notice === "welcome";
}

/** A notice's content as queued (jobs/trials.ts); null when the payload is not one we wrote. */
function noticeContent(payload: unknown): TrialEndingContent | null {
  if (!payload || typeof payload !== "object") return null;
  const p = payload as Partial<TrialEndingContent>;
  if (
    p.notice !== "trial_ending" ||
    typeof p.trial_ends_at !== "string" ||
    !Array.isArray(p.watches) ||
    !Array.isArray(p.channels)
  )
    return null;
  return {
    kind: "notice",
    notice: "trial_ending",
    trial_ends_at: p.trial_ends_at,
    // notices queued before Professional trials existed were all for Watcher trials
    trial_tier: p.trial_tier === "professional" ? "professional" : "watcher",
    tier_after: p.tier_after ?? "free",
    watches: p.watches,
    more_watches: p.more_watches ?? 0,
    channels: p.channels,
    more_channels: p.more_channels ?? 0,
    alerts_end: p.alerts_end ?? false,
  };
}

/** Why a claimed notification must not go out now, or null. Checked at send time, not at queue time. */
function skipReason(
  c: Claimed,
  user: UserRow | undefined,
  ch: ChannelRow | undefined,
  suppressed: Map<string, string>,
  optOuts: Set<string>,
  now: Date,
): string | null {
  if (!user || !ch) return "gone";
  if (ch.deletedAt) return "channel_deleted";
  const verifying = kindOf(c) === "notice" && verifyAddress(c.payload, ch.id) !== null;
  // An unconfirmed address gets its confirmation email and nothing else; a confirmed one needs none.
  if (verifying) {
    if (ch.status === "pending_verification") {
      return optOuts.has(ch.target.toLowerCase()) ? "recipient_opted_out" : suppressedAddress(ch, suppressed);
    }
    return ch.status === "active" ? "already_verified" : `channel_${ch.status}`;
  }
  // A sign-in link goes to the account's own address, whatever else is switched off there (the
  // owner asked for it), and nowhere else.
  if (kindOf(c) === "notice" && isSignInNotice(c.payload)) {
    if (!isAccountAddress(ch, user)) return "not_account_address";
    return suppressedAddress(ch, suppressed);
  }
  if (ch.status !== "active") return `channel_${ch.status}`;
  if (c.kind === "alert" && user.alertsOff) return "unsubscribed";
  if (c.kind === "digest" && user.digestsOff) return "unsubscribed";
  // an account notice is no list of its own: only "unsubscribe from everything" stops it
  if (kindOf(c) === "notice" && user.alertsOff && user.digestsOff) return "unsubscribed";
  if (c.kind === "alert" && !ENTITLEMENTS[effectiveTier(user, now)].sameDayAlerts) return "tier_limit";
  return suppressedAddress(ch, suppressed);
}

/** The account's own address: the only destination a sign-in link may travel to. */
function isAccountAddress(ch: ChannelRow, user: UserRow): boolean {
  return ch.type === "email" && ch.isAccountEmail && ch.target.toLowerCase() === user.email.toLowerCase();
}

function suppressedAddress(ch: ChannelRow, suppressed: Map<string, string>): string | null {
  if (ch.type === "email") {
    const why = suppressed.get(ch.target.toLowerCase());
    if (why) return `address_suppressed: ${why}`;
  }
  return null;
}

function digestContent(
  plan: DigestPlan,
  eventById: Map<string, ChangeEvent>,
  tier: Tier,
  links: ChangeSummary["links"],
  elsewhere: ElsewhereLookup | undefined,
): DigestContent {
  const summaries = (ids: string[]) =>
    ids.flatMap((id) => {
      const e = eventById.get(id);
      return e ? [toChangeSummary(e, tier, links, elsewhere && ((c) => elsewhere(e.platform.slug, c)))] : [];
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
export async function compose(db: Db, keys: Keys, publicUrl: string, claimedRows: Claimed[], now: Date): Promise<Composed> {
  const { account: claimed, toAddress } = splitByRecipient(claimedRows);
  const ids = (f: (c: AccountClaimed) => string) => [...new Set(claimed.map(f))];
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
  // a confirmation queued before its address opted out (through another account's email) is not sent
  const optOuts = await optedOut(
    db,
    chs.filter((ch) => ch.type === "email" && ch.status === "pending_verification").map((ch) => ch.target),
  );

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

  // "How other platforms handle this" for every Watcher and Professional alert and digest of the
  // batch: one query (delivery/elsewhere.ts), taken as of each notification's creation.
  const elsewhereFor = new Map<string, ElsewhereLookup>();
  const wanting = claimed.flatMap((c) => {
    const user = userById.get(c.user_id);
    if (!user || ENTITLEMENTS[effectiveTier(user, now)].summaries === "headlines") return [];
    const plan = c.kind === "digest" && c.digest_id ? planById.get(c.digest_id) : undefined;
    const evs =
      c.kind === "alert"
        ? (eventsByNotification.get(c.id) ?? [])
        : plan
          ? [...plan.watchlist, ...plan.highlights].flatMap((id) => eventById.get(id) ?? [])
          : [];
    return evs.length > 0 ? [{ id: c.id, events: evs, asOf: new Date(c.created_at) }] : [];
  });
  const lookups = await loadElsewhere(db, wanting);
  for (const [i, w] of wanting.entries()) elsewhereFor.set(w.id, lookups[i]);

  // One decrypt per channel per batch, shared by its messages (and so one signing key, see
  // channels/webhook.ts): a batch often holds many alerts for one Slack or webhook channel.
  const secrets = new Map<string, Promise<ChannelSecret>>();
  const openOnce = (channelId: string, sealed: string) => {
    let secret = secrets.get(channelId);
    if (!secret) {
      secret = openSecret<ChannelSecret>(keys, sealed);
      secrets.set(channelId, secret);
    }
    return secret;
  };

  const out: Composed = { ready: [], skipped: [] };
  for (const c of claimed) {
    const user = userById.get(c.user_id);
    const ch = channelById.get(c.channel_id);
    const events = eventsByNotification.get(c.id) ?? [];
    const plan = c.digest_id ? planById.get(c.digest_id) : undefined;
    const verifyTo = kindOf(c) === "notice" && ch ? verifyAddress(c.payload, ch.id) : null;
    const signIn = kindOf(c) === "notice" && !verifyTo && isSignInNotice(c.payload);
    const notice = kindOf(c) === "notice" && !verifyTo && !signIn ? noticeContent(c.payload) : null;
    const why =
      skipReason(c, user, ch, suppressed, optOuts, now) ??
      (c.kind === "alert" && events.length === 0
        ? "no_events"
        : c.kind === "digest" && !plan
          ? "no_digest"
          : kindOf(c) === "notice" && !notice && !verifyTo && !signIn
            ? "no_notice"
            : null);
    if (why || !user || !ch) {
      out.skipped.push({
        id: c.id,
        attempts: c.attempts,
        status: "suppressed",
        statusReason: why ?? "gone",
        channelType: ch?.type,
      });
      continue;
    }
    const tier = effectiveTier(user, now);
    // Links are derived from the notification, not the clock, so every retry renders the same bytes
    // (Resend compares a retried payload with the first under the same Idempotency-Key).
    const scope: UnsubscribeScope = verifyTo ? `channel:${ch.id}` : kindOf(c) === "notice" ? "all" : scopeForKind(c.kind);
    const issuedAt = new Date(c.created_at);
    const links = await messageLinks(keys, publicUrl, user, scope, issuedAt, !verifyTo && isAccountAddress(ch, user));
    const elsewhere = elsewhereFor.get(c.id);
    let content: MessageContent;
    if (c.kind === "alert")
      content = {
        kind: "alert",
        events: sortBySeverity(
          events.map((e) => toChangeSummary(e, tier, links, elsewhere && ((ch) => elsewhere(e.platform.slug, ch)))),
        ),
      };
    else if (c.kind === "digest" && plan) content = digestContent(plan, eventById, tier, links, elsewhere);
    else if (notice) content = notice;
    else if (signIn) {
      const link = await signInLink(keys, publicUrl, user, issuedAt);
      const signInUrl = { sign_in_url: link.url, expires_at: link.expiresAt.toISOString() };
      const welcome = welcomeContent(c.payload);
      content = welcome ? { ...welcome, ...signInUrl } : { kind: "notice", notice: "sign_in_link", ...signInUrl };
    } else if (verifyTo) {
      const link = await verifyEmailLink(keys, publicUrl, ch.id, issuedAt);
      content = { kind: "notice", notice: "verify_email", address: verifyTo, verify_url: link.url, expires_at: link.expiresAt };
    } else content = { kind: "test" };
    const secret = ch.secretEnc ? await openOnce(ch.id, ch.secretEnc) : null;
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
  const forAddresses = await composeAddressNotices(db, keys, publicUrl, toAddress);
  out.ready.push(...forAddresses.ready);
  out.skipped.push(...forAddresses.skipped);
  return out;
}
