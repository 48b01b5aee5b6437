/** @jsxImportSource hono/jsx */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { closePlatforms, documentByTitleOrSlug, platformByNameOrSlug } from "../../../db/queries/catalog";
import { createChannel, deleteChannel, queueChannelTest, setChannelEnabled } from "../../../db/queries/channels";
import { setSubscriptions, updatePreferences } from "../../../db/queries/preferences";
import { checkWatchTier, createWatch, deleteWatch, type WatchShape } from "../../../db/queries/watches";
import type { UserRow } from "../../../db/schema/users";
import type { Db } from "../../../db/types";
import { ApiError } from "../../../lib/errors";
import { slug } from "../../../lib/event-schema";
import { SEVERITIES } from "../../../lib/tiers";
import type { AppEnv } from "../../../middleware/context";
import { clearSessionCookie, endSession, type PageSession } from "../../../middleware/session";
import { revokeAllSessions } from "../../../services/sign-in";
import { describeIssues } from "../../common";
import { AlertPrefs, DigestPrefs, platformRef, timezone } from "../../schemas";
import { messagePage } from "../layout";
import type { Anchor } from "./model";

/**
 * What each form on the preference page does. Every rule lives in db/queries (the same code
 * the API runs); this file only turns form fields into those calls. The router has already
 * checked the session and the CSRF token.
 */

/** Fixed confirmations, chosen by key: nothing from the URL is echoed onto the page. */
export const FLASH = {
  watch_added: "Added to your watchlist.",
  watch_removed: "Removed from your watchlist.",
  email_added: "Check that inbox: we sent a confirmation link, and nothing else goes there until it is followed.",
  channel_added: "Channel added.",
  channel_on: "Channel turned on.",
  channel_off: "Channel turned off: nothing is sent there until you turn it on again.",
  channel_removed: "Channel removed.",
  test_queued: "A test message is on its way.",
  schedule_saved: "Digest schedule saved; it applies from the next digest.",
  alerts_saved: "Alert timing saved.",
  messages_saved: "Saved.",
  unsubscribed: "You are unsubscribed from everything. Turn messages back on below whenever you like.",
  slack_added: "Slack channel added; a welcome message is on its way there.",
} as const;
export type FlashKey = keyof typeof FLASH;

/** Where on the page each confirmation is shown: the redirect's fragment scrolls there. */
export const FLASH_AT: Record<FlashKey, Anchor> = {
  watch_added: "watchlist",
  watch_removed: "watchlist",
  email_added: "channels",
  channel_added: "channels",
  channel_on: "channels",
  channel_off: "channels",
  channel_removed: "channels",
  test_queued: "channels",
  schedule_saved: "schedule",
  alerts_saved: "alerts",
  messages_saved: "messages",
  unsubscribed: "messages",
  slack_added: "channels",
};

export type ActionResult =
  | { done: FlashKey }
  | { render: { flash?: string; at: Anchor; secret?: { target: string; value: string } } }
  | { page: Response | Promise<Response> };

export interface ActionInput {
  c: Context<AppEnv>;
  user: UserRow;
  session: PageSession;
  /** a form field, trimmed; undefined when missing or empty */
  field(name: string): string | undefined;
}

export type Action = (i: ActionInput) => Promise<ActionResult>;

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new ApiError("invalid_request", describeIssues(r.error.issues));
  return r.data;
}

const PreferencesForm = z.object({ timezone, digest: DigestPrefs, alerts: AlertPrefs }).partial();
const id = (i: ActionInput) => {
  const v = i.field("id");
  if (!v || v.length > 100) throw new ApiError("invalid_request", "id: missing");
  return v;
};

/**
 * "Add by name": the platform field takes a catalog name or a slug, in any case ("Netflix",
 * "netflix"), and the document field a title or a slug of that platform. A valid slug the catalog
 * does not know yet is accepted (a watch may name a platform no change has mentioned); anything
 * else is refused with the closest catalog names.
 */
const addWatch: Action = async (i) => {
  const { database, clock } = i.c.get("deps");
  const db = database.db;
  const now = clock.now();
  const platformIn = i.field("platform");
  const documentIn = i.field("document");
  const severity = i.field("min_severity");
  const found = platformIn ? await platformByNameOrSlug(db, platformIn) : null;
  const platform = found?.slug ?? platformIn?.toLowerCase() ?? "";
  const document = documentIn ? ((await documentByTitleOrSlug(db, platform, documentIn)) ?? documentIn.toLowerCase()) : null;
  const requested: WatchShape = {
    platform,
    document,
    provision: null,
    minSeverity: severity ? "low" : null,
    categories: null,
  };
  const problem = await watchFormProblem(db, { platformIn, platform, found: Boolean(found), document, severity });
  if (problem) {
    // as in the API: what the tier can never have is a tier_limit, whatever else is wrong
    await checkWatchTier(db, i.user, requested, now);
    throw new ApiError("invalid_request", problem);
  }
  const minSeverity = (severity as (typeof SEVERITIES)[number] | undefined) ?? null;
  await createWatch(db, i.user.id, { ...requested, minSeverity }, now);
  return { done: "watch_added" };
};

const orList = new Intl.ListFormat("en", { type: "disjunction" });

async function watchFormProblem(
  db: Db,
  f: { platformIn?: string; platform: string; found: boolean; document: string | null; severity?: string },
): Promise<string | null> {
  if (!f.platformIn) return "platform: enter a platform's name or short name";
  if (!f.found && !platformRef.safeParse(f.platform).success) {
    const close = await closePlatforms(db, f.platformIn);
    const hint = close.length > 0 ? ` Did you mean ${orList.format(close.map((p) => p.name))}?` : "";
    return `platform: no platform in the catalog is called “${f.platformIn}”, and it is not a short name either (lower-case letters, digits and dashes, e.g. netflix).${hint}`;
  }
  if (f.document !== null && !slug.safeParse(f.document).success) {
    return `document: ${f.platform} has no document called “${f.document}” (give its title or its short name)`;
  }
  if (f.severity && !(SEVERITIES as readonly string[]).includes(f.severity))
    return "min_severity: must be low, medium, high or critical";
  return null;
}

const addChannel: Action = async (i) => {
  const { database, clock, keys, config, resolveHost, onQueued } = i.c.get("deps");
  const type = i.field("type");
  if (type !== "email" && type !== "webhook") throw new ApiError("invalid_request", "type: must be email or webhook");
  const body = type === "email" ? { address: i.field("address") } : { url: i.field("url") };
  const env = { keys, allowPrivateWebhookTargets: config.allowPrivateWebhookTargets, resolveHost };
  const created = await createChannel(database.db, env, i.user.id, type, body, clock.now());
  if (created.verificationQueued) onQueued?.();
  if (created.signingSecret) {
    return {
      render: { at: "add-webhook", secret: { target: created.row.target, value: created.signingSecret } },
    };
  }
  return { done: created.verificationQueued ? "email_added" : "channel_added" };
};

export const ACTIONS = {
  "watches/add": addWatch,
  "watches/remove": async (i) => {
    await deleteWatch(i.c.get("deps").database.db, i.user.id, id(i));
    return { done: "watch_removed" };
  },
  "channels/add": addChannel,
  "channels/test": async (i) => {
    const { database, clock, onQueued } = i.c.get("deps");
    await queueChannelTest(database.db, i.user.id, id(i), clock.now());
    onQueued?.();
    return { done: "test_queued" };
  },
  "channels/enable": async (i) => {
    const { database, clock } = i.c.get("deps");
    const on = i.field("enabled") === "true";
    await setChannelEnabled(database.db, i.user.id, id(i), on, clock.now());
    return { done: on ? "channel_on" : "channel_off" };
  },
  "channels/remove": async (i) => {
    const { database, clock } = i.c.get("deps");
    await deleteChannel(database.db, i.user.id, id(i), clock.now());
    return { done: "channel_removed" };
  },
  schedule: async (i) => {
    const { database, clock } = i.c.get("deps");
    const hour = i.field("hour");
    const patch = parse(PreferencesForm, {
      timezone: i.field("timezone"),
      digest: {
        day: i.field("day"),
        hour: hour !== undefined && /^\d{1,2}$/.test(hour) ? Number(hour) : hour,
        // an unticked checkbox is simply absent from the form
        send_when_empty: i.field("send_when_empty") === "true",
      },
    });
    await updatePreferences(database.db, i.user, patch, clock.now());
    return { done: "schedule_saved" };
  },
  alerts: async (i) => {
    const { database, clock } = i.c.get("deps");
    const w = i.field("window_minutes");
    const patch = parse(PreferencesForm, {
      alerts: {
        window_minutes: w !== undefined && /^\d{1,4}$/.test(w) ? Number(w) : w,
        quiet_hours: i.field("quiet") === "on" ? { start: i.field("quiet_start"), end: i.field("quiet_end") } : null,
      },
    });
    await updatePreferences(database.db, i.user, patch, clock.now());
    return { done: "alerts_saved" };
  },
  messages: async (i) => {
    const { database, clock } = i.c.get("deps");
    const subs = { alerts: i.field("alerts") === "on", digests: i.field("digests") === "on" };
    await setSubscriptions(database.db, i.user.id, subs, clock.now());
    return { done: "messages_saved" };
  },
  unsubscribe: async (i) => {
    const { database, clock } = i.c.get("deps");
    await setSubscriptions(database.db, i.user.id, { alerts: false, digests: false }, clock.now());
    return { done: "unsubscribed" };
  },
  "sign-out": async (i) => {
    await endSession(i.c, i.session);
    return {
      page: messagePage(
        i.c,
        "Signed out",
        <p>
          You are signed out of the preference page. Open it again from the link in a clausewatch email to your account address,
          or <a href="/signin">have a sign-in link emailed to you</a>.
        </p>,
      ),
    };
  },
  "sign-out-everywhere": async (i) => {
    const { database, clock } = i.c.get("deps");
    await revokeAllSessions(database.db, i.user.id, clock.now());
    clearSessionCookie(i.c);
    return {
      page: messagePage(
        i.c,
        "Signed out everywhere",
        <p>
          Every session of your account has ended, on every device, and every sign-in link sent before now no longer works. To
          come back, <a href="/signin">have a new sign-in link emailed to you</a>.
        </p>,
      ),
    };
  },
} satisfies Record<string, Action>;

export type ActionName = keyof typeof ACTIONS;

/** For /openapi.json: what each form does. */
export const ACTION_SUMMARY: Record<ActionName, string> = {
  "watches/add": "Page form: add a watch (platform, optional document and min_severity)",
  "watches/remove": "Page form: remove a watch (id)",
  "channels/add": "Page form: add an email address (pending until confirmed) or a webhook",
  "channels/test": "Page form: send a test message to an active channel (id)",
  "channels/enable": "Page form: turn a channel on or off (id, enabled)",
  "channels/remove": "Page form: remove a channel (id)",
  schedule: "Page form: digest day, hour, time zone and send_when_empty",
  alerts: "Page form: alert window and quiet hours",
  messages: "Page form: which messages to receive (alerts, digests)",
  unsubscribe: "Page form: unsubscribe from everything",
  "sign-out": "Page form: end this session (on the server too)",
  "sign-out-everywhere": "Page form: end every session of the account and void every sign-in link issued before",
};
