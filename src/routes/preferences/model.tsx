/** @jsxImportSource hono/jsx */
import type { ChannelRow } from "../../db/schema/channels";
import type { UserRow } from "../../db/schema/users";
import type { WatchRow } from "../../db/schema/watches";
import type { Tier } from "../../lib/tiers";

/** What the preference page shows, loaded fresh for every request (index.tsx). */
export interface CatalogEntry {
  slug: string;
  name: string;
  documents: { slug: string; title: string }[];
}

export interface PageModel {
  user: UserRow;
  /** the tier in force (a trial lifts free to watcher) */
  tier: Tier;
  watches: WatchRow[];
  channels: ChannelRow[];
  catalog: CatalogEntry[];
  q: string;
  csrf: string;
  nonce: string;
  zones: string[];
  /** "Add to Slack" link, null when SLACK_CLIENT_ID/SECRET are unset */
  slackInstallUrl: string | null;
  flash?: string;
  error?: string;
  /** a webhook's signing secret, shown once right after it was added */
  secret?: { target: string; value: string };
}

/** Every form posts the session's CSRF token. */
export function Post(props: { action: string; csrf: string; children: unknown; label?: string }) {
  return (
    <form method="post" action={props.action} aria-label={props.label}>
      <input type="hidden" name="csrf" value={props.csrf} />
      {props.children}
    </form>
  );
}
