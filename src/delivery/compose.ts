import { inArray, sql } from "drizzle-orm";
import { type VerifyNoticePayload, verifyNoticeKey } from "../db/queries/channels";
import { optedOut } from "../db/queries/confirmations";
import { channels, digests, events, users } from "../db/schema";
import type { ChannelRow } from "../db/schema/channels";
import type { DigestPlan } from "../db/schema/digests";
import type { UserRow } from "../db/schema/users";
import { type Db, rows, textArray } from "../db/types";
import { type ChannelSecret, openSecret } from "../lib/channel-secrets";
import type { Keys } from "../lib/crypto";
import type { ChangeEvent } from "../lib/event-schema";
import { messageLinks, scopeForKind, signInLink, type UnsubscribeScope } from "../lib/links";
import type { ChangeSummary, DigestContent, MessageContent, NoticeContent, TrialEndingContent } from "../lib/messages";
import { sortBySeverity, toChangeSummary } from "../lib/summary";
import type { Tier } from "../lib/tiers";
import { ENTITLEMENTS, effectiveTier } from "../lib/tiers";
import { verifyEmailLink } from "../lib/verify-link";
import { type ElsewhereLookup, type ElsewhereRequest, loadElsewhere } from "./elsewhere";
import type { Claimed, Outcome } from "./outbox";
import { type AccountClaimed, composeAddressNotices, splitByRecipient, welcomeContent } from "./signup-notices";
import { suppressedAddresses } from "./suppressions";
import type { OutboundMessage } from "./types";

export interface Composed {
  ready: { claimed: Claimed; msg: OutboundMessage }[];
  /** rows that must not be sent, decided before any provider is called (with their channel's type, when it still exists) */
  skipped: (Outcome & { channelType?: ChannelRow["type"] })[];
}

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
  const verifying = c.kind === "notice" && verifyAddress(c.payload, ch.id) !== null;
  // An unconfirmed address gets its confirmation email and nothing else; a confirmed one needs none.
  if (verifying) {
    if (ch.status === "pending_verification") {
      return optOuts.has(ch.target.toLowerCase()) ? "recipient_opted_out" : suppressedAddress(ch, suppressed);
    }
    return ch.status === "active" ? "already_verified" : `channel_${ch.status}`;
  }
  // A sign-in link goes to the account's own address, whatever else is switched off there (the
  // owner asked for it), and nowhere else.
  if (c.kind === "notice" && isSignInNotice(c.payload)) {
    if (!isAccountAddress(ch, user)) return "not_account_address";
    return suppressedAddress(ch, suppressed);
  }
  if (ch.status !== "active") return `channel_${ch.status}`;
  if (c.kind === "alert" && user.alertsOff) return "unsubscribed";
  if (c.kind === "digest" && user.digestsOff) return "unsubscribed";
  // an account notice is no list of its own: only "unsubscribe from everything" stops it
  if (c.kind === "notice" && user.alertsOff && user.digestsOff) return "unsubscribed";
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
      return e ? [toChangeSummary(e, tier, links, elsewhere && ((change) => elsewhere(e.platform.slug, change)))] : [];
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

/** Everything a batch's messages are built from, loaded with a handful of set queries. */
interface BatchFacts {
  userById: Map<string, UserRow>;
  channelById: Map<string, ChannelRow>;
  /** suppressed address (lower-cased) → why */
  suppressed: Map<string, string>;
  /** addresses that opted out of confirmation emails */
  optOuts: Set<string>;
  planById: Map<string, DigestPlan>;
  /** the events the batch's digests list */
  eventById: Map<string, ChangeEvent>;
  /** each alert's events */
  eventsByNotification: Map<string, ChangeEvent[]>;
  /** "How other platforms handle this", per notification that shows it */
  elsewhereFor: Map<string, ElsewhereLookup>;
}

type Recipients = Pick<BatchFacts, "userById" | "channelById" | "suppressed" | "optOuts">;

/** The batch's users and channels, and what stops mail to their addresses. */
async function loadRecipients(db: Db, claimed: AccountClaimed[]): Promise<Recipients> {
  const userIds = [...new Set(claimed.map((c) => c.user_id))];
  const channelIds = [...new Set(claimed.map((c) => c.channel_id))];
  const [us, chs] = await Promise.all([
    db.select().from(users).where(inArray(users.id, userIds)),
    db.select().from(channels).where(inArray(channels.id, channelIds)),
  ]);
  const addresses = chs.filter((ch) => ch.type === "email").map((ch) => ch.target.toLowerCase());
  const suppressed = await suppressedAddresses(db, addresses);
  // a confirmation queued before its address opted out (through another account's email) is not sent
  const optOuts = await optedOut(
    db,
    chs.filter((ch) => ch.type === "email" && ch.status === "pending_verification").map((ch) => ch.target),
  );
  return { userById: new Map(us.map((u) => [u.id, u])), channelById: new Map(chs.map((ch) => [ch.id, ch])), suppressed, optOuts };
}

/** The batch's digest plans and the events they list. */
async function loadDigests(db: Db, claimed: AccountClaimed[]): Promise<Pick<BatchFacts, "planById" | "eventById">> {
  const digestIds = claimed.flatMap((c) => (c.kind === "digest" && c.digest_id ? [c.digest_id] : []));
  const plans = digestIds.length ? await db.select().from(digests).where(inArray(digests.id, digestIds)) : [];
  const eventIds = [...new Set(plans.flatMap((d) => [...d.plan.watchlist, ...d.plan.highlights]))];
  const found = eventIds.length
    ? await db.select({ id: events.id, payload: events.payload }).from(events).where(inArray(events.id, eventIds))
    : [];
  return { planById: new Map(plans.map((d) => [d.id, d.plan])), eventById: new Map(found.map((e) => [e.id, e.payload])) };
}

/**
 * Each alert's events, by notification id. A batch's alerts mostly carry the same few events (one
 * event opens an alert per matched channel), so each event's payload travels and is parsed once
 * per batch — on its first link — and the alerts share the object (bench:dispatch: 200 copies of
 * one payload per batch before).
 */
async function loadAlertEvents(db: Db, claimed: AccountClaimed[]): Promise<Map<string, ChangeEvent[]>> {
  const alertIds = claimed.filter((c) => c.kind === "alert").map((c) => c.id);
  const linked = alertIds.length
    ? await rows<{ notification_id: string; event_id: string; payload: ChangeEvent | null }>(
        db,
        sql`select ne.notification_id, ne.event_id,
              case when row_number() over (partition by ne.event_id) = 1 then e.payload end as payload
            from notification_events ne join events e on e.id = ne.event_id
            where ne.notification_id = any(${textArray(alertIds)})`,
      )
    : [];
  const eventById = new Map<string, ChangeEvent>();
  for (const l of linked) if (l.payload) eventById.set(l.event_id, l.payload);
  const byNotification = new Map<string, ChangeEvent[]>();
  for (const l of linked) {
    const list = byNotification.get(l.notification_id) ?? [];
    // the event's first link carried its payload (payload is never null)
    list.push(eventById.get(l.event_id) as ChangeEvent);
    byNotification.set(l.notification_id, list);
  }
  return byNotification;
}

/**
 * Which notifications show "How other platforms handle this": every Watcher and Professional
 * alert and digest with events, taken as of its creation (so a retry renders the same bytes).
 */
function elsewhereRequests(
  claimed: AccountClaimed[],
  facts: Omit<BatchFacts, "elsewhereFor">,
  now: Date,
): (ElsewhereRequest & { id: string })[] {
  return claimed.flatMap((c) => {
    const user = facts.userById.get(c.user_id);
    if (!user || ENTITLEMENTS[effectiveTier(user, now)].summaries === "headlines") return [];
    const plan = c.kind === "digest" && c.digest_id ? facts.planById.get(c.digest_id) : undefined;
    let evs: ChangeEvent[] = [];
    if (c.kind === "alert") evs = facts.eventsByNotification.get(c.id) ?? [];
    else if (plan) evs = [...plan.watchlist, ...plan.highlights].flatMap((id) => facts.eventById.get(id) ?? []);
    return evs.length > 0 ? [{ id: c.id, events: evs, asOf: new Date(c.created_at) }] : [];
  });
}

/** Everything the batch's messages need, in one query per kind of fact (delivery/elsewhere.ts for the comparisons). */
async function loadBatch(db: Db, claimed: AccountClaimed[], now: Date): Promise<BatchFacts> {
  const recipients = await loadRecipients(db, claimed);
  const digestFacts = await loadDigests(db, claimed);
  const eventsByNotification = await loadAlertEvents(db, claimed);
  const facts = { ...recipients, ...digestFacts, eventsByNotification };
  const wanting = elsewhereRequests(claimed, facts, now);
  const lookups = await loadElsewhere(db, wanting);
  return { ...facts, elsewhereFor: new Map(wanting.map((w, i) => [w.id, lookups[i]])) };
}

/**
 * One decrypt per channel per batch, shared by its messages (and so one signing key, see
 * channels/webhook.ts): a batch often holds many alerts for one Slack or webhook channel.
 */
function secretOpener(keys: Keys): (channelId: string, sealed: string) => Promise<ChannelSecret> {
  const secrets = new Map<string, Promise<ChannelSecret>>();
  return (channelId, sealed) => {
    let secret = secrets.get(channelId);
    if (!secret) {
      secret = openSecret<ChannelSecret>(keys, sealed);
      secrets.set(channelId, secret);
    }
    return secret;
  };
}

/** What a message's content is made from once it is known to go out. */
interface DraftParts {
  user: UserRow;
  tier: Tier;
  links: ChangeSummary["links"];
  /** the notification's creation: links are derived from it, not the clock */
  issuedAt: Date;
}

/** One message kind's part of composing: its unsubscribe scope and its content, or why there is nothing to send. */
type Draft =
  | {
      /** which messages its unsubscribe link stops */
      scope: UnsubscribeScope;
      /** false for a confirmation email: its address is not known to be the owner's, so it carries no sign-in link */
      maySignIn: boolean;
      content(parts: DraftParts): MessageContent | Promise<MessageContent>;
    }
  | { skip: string };

/** What the batch's messages share while composing. */
interface ComposeEnv {
  keys: Keys;
  publicUrl: string;
  now: Date;
  facts: BatchFacts;
  openSecret: (channelId: string, sealed: string) => Promise<ChannelSecret>;
}

/** An alert: its events, most severe first (none left: nothing to send). */
function alertDraft(c: AccountClaimed, env: ComposeEnv): Draft {
  const events = env.facts.eventsByNotification.get(c.id) ?? [];
  if (events.length === 0) return { skip: "no_events" };
  const elsewhere = env.facts.elsewhereFor.get(c.id);
  return {
    scope: scopeForKind("alert"),
    maySignIn: true,
    content: ({ tier, links }) => ({
      kind: "alert",
      events: sortBySeverity(
        events.map((e) => toChangeSummary(e, tier, links, elsewhere && ((change) => elsewhere(e.platform.slug, change)))),
      ),
    }),
  };
}

/** A digest: the plan the planner wrote (gone: nothing to send). */
function digestDraft(c: AccountClaimed, env: ComposeEnv): Draft {
  const plan = c.digest_id ? env.facts.planById.get(c.digest_id) : undefined;
  if (!plan) return { skip: "no_digest" };
  return {
    scope: scopeForKind("digest"),
    maySignIn: true,
    content: ({ tier, links }) => digestContent(plan, env.facts.eventById, tier, links, env.facts.elsewhereFor.get(c.id)),
  };
}

/** A channel test (POST /v1/channels/{id}/test). */
const testDraft: Draft = { scope: scopeForKind("test"), maySignIn: true, content: () => ({ kind: "test" }) };

/**
 * An account notice: the confirmation of this channel's address, a sign-in link (or the welcome
 * carrying one), or a notice written in full when queued (jobs/trials.ts). Only "unsubscribe
 * from everything" applies, except to a confirmation, whose link stops mail to that address alone.
 */
function noticeDraft(c: AccountClaimed, ch: ChannelRow | undefined, env: ComposeEnv): Draft {
  const verifyTo = ch ? verifyAddress(c.payload, ch.id) : null;
  if (ch && verifyTo) {
    return {
      scope: `channel:${ch.id}`,
      maySignIn: false,
      content: async ({ issuedAt }) => {
        const link = await verifyEmailLink(env.keys, env.publicUrl, ch.id, issuedAt);
        return { kind: "notice", notice: "verify_email", address: verifyTo, verify_url: link.url, expires_at: link.expiresAt };
      },
    };
  }
  if (isSignInNotice(c.payload)) {
    return { scope: "all", maySignIn: true, content: ({ user, issuedAt }) => signInContent(env, user, issuedAt, c.payload) };
  }
  const notice = noticeContent(c.payload);
  return notice ? { scope: "all", maySignIn: true, content: () => notice } : { skip: "no_notice" };
}

/** A sign-in link, or the welcome of a new account with one; signed as of the notification's creation. */
async function signInContent(env: ComposeEnv, user: UserRow, issuedAt: Date, payload: unknown): Promise<NoticeContent> {
  const link = await signInLink(env.keys, env.publicUrl, user, issuedAt);
  const signInUrl = { sign_in_url: link.url, expires_at: link.expiresAt.toISOString() };
  const welcome = welcomeContent(payload);
  return welcome ? { ...welcome, ...signInUrl } : { kind: "notice", notice: "sign_in_link", ...signInUrl };
}

function draftFor(c: AccountClaimed, ch: ChannelRow | undefined, env: ComposeEnv): Draft {
  switch (c.kind) {
    case "alert":
      return alertDraft(c, env);
    case "digest":
      return digestDraft(c, env);
    case "notice":
      return noticeDraft(c, ch, env);
    case "test":
      return testDraft;
  }
}

/** One claimed row: a message ready to send, or the outcome that records why it is not sent. */
async function composeOne(
  c: AccountClaimed,
  env: ComposeEnv,
): Promise<{ ready: Composed["ready"][number] } | { skipped: Composed["skipped"][number] }> {
  const user = env.facts.userById.get(c.user_id);
  const ch = env.facts.channelById.get(c.channel_id);
  const draft = draftFor(c, ch, env);
  const why = skipReason(c, user, ch, env.facts.suppressed, env.facts.optOuts, env.now) ?? ("skip" in draft ? draft.skip : null);
  if (why || !user || !ch || "skip" in draft) {
    return {
      skipped: { id: c.id, attempts: c.attempts, status: "suppressed", statusReason: why ?? "gone", channelType: ch?.type },
    };
  }
  const tier = effectiveTier(user, env.now);
  // Links are derived from the notification, not the clock, so every retry renders the same bytes
  // (Resend compares a retried payload with the first under the same Idempotency-Key).
  const issuedAt = new Date(c.created_at);
  const toAccount = draft.maySignIn && isAccountAddress(ch, user);
  const links = await messageLinks(env.keys, env.publicUrl, user, draft.scope, issuedAt, toAccount);
  const content = await draft.content({ user, tier, links, issuedAt });
  const secret = ch.secretEnc ? await env.openSecret(ch.id, ch.secretEnc) : null;
  const msg: OutboundMessage = {
    id: c.id,
    kind: c.kind,
    createdAt: new Date(c.created_at),
    attempt: c.attempts,
    user: { id: user.id, email: user.email, tier, timezone: user.timezone },
    channel: { id: ch.id, type: ch.type, target: ch.target, secret },
    content,
    links,
  };
  return { ready: { claimed: c, msg } };
}

/**
 * Turns claimed rows into messages with a handful of set queries (users, channels, suppressions,
 * linked events), never one query per row.
 */
export async function compose(db: Db, keys: Keys, publicUrl: string, claimedRows: Claimed[], now: Date): Promise<Composed> {
  const { account, toAddress } = splitByRecipient(claimedRows);
  const facts = await loadBatch(db, account, now);
  const env: ComposeEnv = { keys, publicUrl, now, facts, openSecret: secretOpener(keys) };
  const out: Composed = { ready: [], skipped: [] };
  for (const c of account) {
    const one = await composeOne(c, env);
    if ("ready" in one) out.ready.push(one.ready);
    else out.skipped.push(one.skipped);
  }
  const forAddresses = await composeAddressNotices(db, keys, publicUrl, toAddress);
  out.ready.push(...forAddresses.ready);
  out.skipped.push(...forAddresses.skipped);
  return out;
}
