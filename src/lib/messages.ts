import type { ChangeEvent } from "./event-schema";
import type { Severity, Tier, TrialTier } from "./tiers";

/** "How other platforms handle this": one comparable change of another platform (contract: "What receivers get"). */
export interface ElsewhereItem {
  platform: { slug: string; name: string };
  document: { slug: string; title: string; url: string };
  provision: { slug: string; title: string };
  severity: Severity;
  /** the other platform's wording (its `after`, else the change's summary), clipped */
  excerpt: string;
  event_id: string;
}
/**
 * The one change-summary model every channel renders (contract: "What receivers get"):
 * the event as posted, plus links, trimmed to the user's tier — free keeps headlines
 * (`changes` is empty), only professional keeps `regulations`; each change of a watcher's or
 * professional's summary carries `elsewhere` (delivery/elsewhere.ts).
 */
export type ChangeSummary = Pick<ChangeEvent, "id" | "type" | "occurred_at" | "severity" | "summary" | "evidence"> & {
  platform: { slug: string; name: string };
  document: { slug: string; title: string; url: string };
  changes: SummaryChange[];
  links: { manage: string; unsubscribe: string };
};

/** A change as receivers get it: `elsewhere` on every change of a Watcher or Professional summary. */
export type SummaryChange = ChangeEvent["changes"][number] & { elsewhere?: ElsewhereItem[] };

export interface AlertContent {
  kind: "alert";
  /** most severe first */
  events: ChangeSummary[];
}

export interface DigestContent {
  kind: "digest";
  period: { start: string; end: string };
  watchlist: ChangeSummary[];
  highlights: ChangeSummary[];
  coverage: { events: number; platforms: number };
  /** professional only: changes this period per regulation */
  regulatory_exposure?: { regulation: string; changes: number }[];
  /** how many platforms the user watches (for "No changes to the 1 platform you watch") */
  watched_platforms: number;
}

export interface TestContent {
  kind: "test";
}

/** A watch as a notice names it (slugs; `"*"` for every platform). */
export interface WatchRef {
  platform: string;
  document: string | null;
  provision: string | null;
  min_severity: string | null;
  categories: string[] | null;
}

/** A channel as a notice names it (the shown, redacted target). */
export interface ChannelRef {
  type: "email" | "slack" | "webhook";
  target: string;
}

/**
 * "Your trial ends soon": what the user's own tier will pause then, if nothing changes before.
 * Fixed when queued (jobs/trials.ts) and stored as the notification's payload.
 */
export interface TrialEndingNotice {
  notice: "trial_ending";
  trial_ends_at: string;
  /** the tier the trial gave (the email names it) */
  trial_tier: TrialTier;
  /** the tier that applies again when the trial ends */
  tier_after: Tier;
  /** the watches that will pause (at most NOTICE_LIST_LIMIT; `more_watches` counts the rest) */
  watches: WatchRef[];
  more_watches: number;
  channels: ChannelRef[];
  more_channels: number;
  /** same-day alerts stop (the weekly digest goes on) */
  alerts_end: boolean;
}

/**
 * "Confirm this address" (double opt-in): the only email an address gets before it is confirmed.
 * Queued with the channel (db/queries/channels.ts); the link is signed when the email is composed.
 */
export interface VerifyEmailNotice {
  notice: "verify_email";
  address: string;
  /** PUBLIC_URL/verify-email/<token>: a page whose button confirms (mail scanners follow links) */
  verify_url: string;
  expires_at: string;
}

/**
 * "Your sign-in link", asked for from a manage link or the sign-in form. Only ever sent to the
 * account's own address (compose.ts refuses any other channel); the link is signed when composed.
 */
export interface SignInNotice {
  notice: "sign_in_link";
  /** PUBLIC_URL/preferences?token=…: starts a session */
  sign_in_url: string;
  expires_at: string;
}

/**
 * "Confirm your sign-up" (POST /v1/signup): to an address that may be no account yet, so it
 * carries only its confirm link and its own unsubscribe link. Queued by services/signup.ts.
 */
export interface SignupConfirmNotice {
  notice: "signup_confirm";
  address: string;
  /** PUBLIC_URL/signup/confirm?token=…: a page whose button confirms (mail scanners follow links) */
  confirm_url: string;
  expires_at: string;
  plan: "free" | "watcher_trial" | "professional_trial";
}

/**
 * "Welcome": the account a sign-up created, with a sign-in link (so, like SignInNotice, only ever
 * to the account's own address). What the sign-up started is fixed when queued.
 */
export interface WelcomeNotice {
  notice: "welcome";
  sign_in_url: string;
  expires_at: string;
  /** the platform the account now watches, if the sign-up named one */
  platform: string | null;
  trial_tier: TrialTier | null;
  trial_ends_at: string | null;
  /** a trial was asked for, but the address had already had its one trial */
  trial_refused: boolean;
}

export type TrialEndingContent = { kind: "notice" } & TrialEndingNotice;
export type SignupConfirmContent = { kind: "notice" } & SignupConfirmNotice;
export type WelcomeContent = { kind: "notice" } & WelcomeNotice;
export type SignInContent = { kind: "notice" } & SignInNotice;
export type VerifyEmailContent = { kind: "notice" } & VerifyEmailNotice;
export type NoticeContent = TrialEndingContent | VerifyEmailContent | SignInContent | SignupConfirmContent | WelcomeContent;

export type MessageContent = AlertContent | DigestContent | TestContent | NoticeContent;
