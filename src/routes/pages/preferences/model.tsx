/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import type { PreferencesData, UserRow } from "../../../services/preferences";

export type { CatalogEntry } from "../../../services/preferences";

/** The places on the page a message can belong to; each is an element id (a redirect's fragment). */
export type Anchor =
  | "watchlist"
  | "add-watch"
  | "add-by-name"
  | "channels"
  | "add-email"
  | "add-webhook"
  | "schedule"
  | "alerts"
  | "messages";

/** What a request adds to the page: a confirmation or an error, where it belongs, what was typed. */
export interface PageExtras {
  flash?: string;
  error?: string;
  /** where the flash or error belongs (shown there; the URL's fragment scrolls there) */
  at?: Anchor;
  /** the form field an error is about (marked invalid, the message beside it) */
  field?: string;
  /** what was typed into the form that failed, shown again */
  values?: Record<string, string>;
  /** a webhook's signing secret, shown once right after it was added */
  secret?: { target: string; value: string };
}

/** What the preference page shows, loaded fresh for every request (preferences.render.tsx). */
export type PageModel = PreferencesData &
  PageExtras & {
    user: UserRow;
    q: string;
    csrf: string;
    nonce: string;
    zones: string[];
    /** "Add to Slack" link, null when SLACK_CLIENT_ID/SECRET are unset */
    slackInstallUrl: string | null;
  };

/** Every form posts the session's CSRF token; `at` is the fragment the answer scrolls to. */
export function Post(props: { action: string; csrf: string; children: unknown; label?: string; at?: Anchor }) {
  return (
    <form method="post" action={props.at ? `${props.action}#${props.at}` : props.action} aria-label={props.label}>
      <input type="hidden" name="csrf" value={props.csrf} />
      {props.children as Child}
    </form>
  );
}

/** The confirmation or error that belongs at `at`, if any. */
export function Notice({ m, at }: { m: PageModel; at: Anchor }) {
  if (m.at !== at) return null;
  if (m.error && !(m.field && fieldShown(m))) {
    return (
      <div class="notice error" role="alert" id="error" tabindex={-1}>
        <p>
          <strong>That did not work: </strong>
          {m.error}
        </p>
      </div>
    );
  }
  if (m.flash && !m.error) {
    return (
      <div class="notice ok" role="status" id="status">
        <p>{m.flash}</p>
      </div>
    );
  }
  return null;
}

/** The fields that show their own error (FieldError), by place; an error about any other goes to the notice. */
const FIELDS_AT: Partial<Record<Anchor, string[]>> = {
  "add-by-name": ["platform", "document"],
  "add-email": ["address"],
  "add-webhook": ["url"],
  schedule: ["day", "hour", "timezone"],
  alerts: ["window_minutes", "quiet_start", "quiet_end"],
};
const hasField = (at: Anchor, name: string | undefined) => Boolean(name && FIELDS_AT[at]?.includes(name));
const fieldShown = (m: PageModel) => Boolean(m.at && hasField(m.at, m.field));

/** Attributes that tie a field to its error, when the error is about it. */
export function invalid(m: PageModel, at: Anchor, name: string) {
  const bad = m.at === at && m.error !== undefined && m.field === name;
  return bad ? { "aria-invalid": "true", "aria-describedby": `${name}-error` } : {};
}

/** The error beside the field it is about. */
export function FieldError({ m, at, name }: { m: PageModel; at: Anchor; name: string }) {
  if (m.at !== at || !m.error || m.field !== name || !hasField(at, name)) return null;
  return (
    <p class="field-error" id={`${name}-error`} role="alert">
      {`That did not work: ${m.error}`}
    </p>
  );
}

/** What was typed into the form at `at` if it just failed, else undefined. */
export const kept = (m: PageModel, at: Anchor): Record<string, string> | undefined =>
  m.at === at && m.error !== undefined ? (m.values ?? {}) : undefined;
