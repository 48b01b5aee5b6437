/** @jsxImportSource hono/jsx */
import type { Context } from "hono";
import { isValidTimeZone } from "../../../lib/time";
import type { AppEnv } from "../../../middleware/context";
import type { PageSession } from "../../../middleware/session";
import { loadPreferences } from "../../../services/preferences";
import { htmlPage, newNonce, type PageStatus } from "../layout";
import type { PageExtras } from "./model";
import { PreferencesPage } from "./view";

/** The IANA zones the API accepts, for the time zone select. */
const ZONES = [...new Set(["UTC", ...Intl.supportedValuesOf("timeZone")])].filter(isValidTimeZone);

/** What a request adds to the page, and the status it answers with. */
type RenderExtras = PageExtras & { status?: PageStatus };

/** Renders the page for a signed-in user, from the database as it is now; `q` searches the catalog. */
export async function renderPreferences(
  c: Context<AppEnv>,
  session: PageSession,
  q: string | undefined,
  extras: RenderExtras = {},
) {
  const { database, clock, config } = c.get("deps");
  const search = (q ?? "").trim().slice(0, 100);
  const data = await loadPreferences(database.db, session.user, search, clock.now());
  const nonce = newNonce();
  const model = {
    user: session.user,
    ...data,
    q: search,
    csrf: session.csrf,
    nonce,
    zones: ZONES,
    // "Add to Slack" starts from this page's session cookie: no token in the link
    slackInstallUrl: config.slack ? "/slack/install" : null,
    ...extras,
  };
  return htmlPage(c, nonce, <PreferencesPage m={model} />, extras.status ?? 200);
}
