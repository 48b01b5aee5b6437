import { setSubscriptions, updateSettings } from "../db/queries/preferences";
import type { UserRow } from "../db/schema/users";
import type { Db } from "../db/types";
import { nextDigestAt } from "../lib/digest-schedule";
import { ApiError } from "../lib/errors";
import { slug } from "../lib/event-schema";
import { effectiveTier, SEVERITIES, type Severity, type Tier } from "../lib/tiers";
import type { Day } from "../lib/time";
import {
  type CatalogEntry,
  type CatalogNames,
  catalogNames,
  closePlatforms,
  documentByTitleOrSlug,
  loadCatalog,
  platformByNameOrSlug,
  platformNames,
} from "./catalog";
import { type ChannelRow, listChannels } from "./channels";
import { checkWatchTier, createWatch, listWatches, type WatchRow, type WatchShape } from "./watches";

/**
 * The preference page's reads and the writes only it makes. Its other forms call the same
 * service functions as the API (services/watches.ts, services/channels.ts), so tier limits,
 * validation and 409s are the API's, shown on the page instead of as JSON.
 */
export type { UserRow } from "../db/schema/users";
export type { CatalogEntry, CatalogNames } from "./catalog";
export type { ChannelRow } from "./channels";
export type { WatchRow } from "./watches";
export { setSubscriptions };

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
export function updatePreferences(db: Db, user: UserRow, patch: PreferencesPatch, now: Date): Promise<UserRow> {
  const quiet = patch.alerts?.quiet_hours;
  const timezone = patch.timezone ?? user.timezone;
  const day = patch.digest?.day ?? user.digestDay;
  const hour = patch.digest?.hour ?? user.digestHour;
  const rescheduled = timezone !== user.timezone || day !== user.digestDay || hour !== user.digestHour;
  return updateSettings(
    db,
    user.id,
    {
      ...(rescheduled ? { nextDigestAt: nextDigestAt(day, hour, timezone, now) } : {}),
      timezone: patch.timezone,
      digestDay: patch.digest?.day,
      digestHour: patch.digest?.hour,
      digestSendWhenEmpty: patch.digest?.send_when_empty,
      alertWindowMinutes: patch.alerts?.window_minutes,
      ...(quiet !== undefined ? { quietStart: quiet?.start ?? null, quietEnd: quiet?.end ?? null } : {}),
    },
    now,
  );
}

/** Platforms the catalog search shows at once. */
const CATALOG_PAGE = 25;
/** The datalist of the add-by-name form: enough names to pick from, not the whole catalog of a big deployment. */
const NAME_OPTIONS = 500;

/** What the page shows of the account, loaded fresh for every request. */
export interface PreferencesData {
  /** the tier in force (a trial lifts free to watcher) */
  tier: Tier;
  watches: WatchRow[];
  channels: ChannelRow[];
  /** display names of the watched platforms, documents and provisions */
  names: CatalogNames;
  /** the first page of the catalog search `q` */
  catalog: CatalogEntry[];
  /** catalog platforms by name, for the add-by-name suggestions */
  platformOptions: { slug: string; name: string }[];
}

/** The user's watchlist, channels and the catalog (searched for `q`), as the page shows them at `now`. */
export async function loadPreferences(db: Db, user: UserRow, q: string, now: Date): Promise<PreferencesData> {
  const [watches, channels, catalog, platformOptions] = await Promise.all([
    listWatches(db, user.id),
    listChannels(db, user.id),
    loadCatalog(db, { q, limit: CATALOG_PAGE }),
    platformNames(db, NAME_OPTIONS),
  ]);
  const names = await catalogNames(
    db,
    watches.map((w) => w.platform),
  );
  return { tier: effectiveTier(user, now), watches, channels, names, catalog: catalog.items, platformOptions };
}

/** What the add-by-name form posts, trimmed; a field left empty is absent. */
export interface WatchByName {
  platform?: string;
  document?: string;
  minSeverity?: string;
}

/**
 * "Add by name": the platform field takes a catalog name or a slug, in any case ("Netflix",
 * "netflix"), and the document field a title or a slug of that platform. A valid slug the catalog
 * does not know yet is accepted (a watch may name a platform no change has mentioned); anything
 * else is refused with the closest catalog names.
 */
export async function addWatchByName(db: Db, user: UserRow, form: WatchByName, now: Date): Promise<WatchRow> {
  const found = form.platform ? await platformByNameOrSlug(db, form.platform) : null;
  const platform = found?.slug ?? form.platform?.toLowerCase() ?? "";
  const document = form.document
    ? ((await documentByTitleOrSlug(db, platform, form.document)) ?? form.document.toLowerCase())
    : null;
  const requested: WatchShape = {
    platform,
    document,
    provision: null,
    minSeverity: form.minSeverity ? "low" : null,
    categories: null,
  };
  const problem = await watchFormProblem(db, form, { platform, found: Boolean(found), document });
  if (problem) {
    // as in the API: what the tier can never have is a tier_limit, whatever else is wrong
    await checkWatchTier(db, user, requested, now);
    throw new ApiError("invalid_request", problem);
  }
  const minSeverity = (form.minSeverity as Severity | undefined) ?? null;
  return createWatch(db, user.id, { ...requested, minSeverity }, now);
}

const orList = new Intl.ListFormat("en", { type: "disjunction" });
/** A platform reference as the API takes one: a slug, or "*" (every platform). */
const isPlatformRef = (p: string) => p === "*" || slug.safeParse(p).success;

/** What is wrong with the add-by-name form, in the words the page shows beside the field; null when nothing is. */
async function watchFormProblem(
  db: Db,
  form: WatchByName,
  resolved: { platform: string; found: boolean; document: string | null },
): Promise<string | null> {
  const { platform, found, document } = resolved;
  if (!form.platform) return "platform: enter a platform's name or short name";
  if (!found && !isPlatformRef(platform)) {
    const close = await closePlatforms(db, form.platform);
    const hint = close.length > 0 ? ` Did you mean ${orList.format(close.map((p) => p.name))}?` : "";
    return `platform: no platform in the catalog is called “${form.platform}”, and it is not a short name either (lower-case letters, digits and dashes, e.g. netflix).${hint}`;
  }
  if (document !== null && !slug.safeParse(document).success) {
    return `document: ${platform} has no document called “${document}” (give its title or its short name)`;
  }
  const severity = form.minSeverity;
  if (severity && !(SEVERITIES as readonly string[]).includes(severity))
    return "min_severity: must be low, medium, high or critical";
  return null;
}

/** "Unsubscribe from everything": no alerts, no digests, until the page turns them back on. */
export function unsubscribeFromEverything(db: Db, userId: string, now: Date): Promise<void> {
  return setSubscriptions(db, userId, { alerts: false, digests: false }, now);
}
