/** @jsxImportSource hono/jsx */
import { capitalise, formatDate, plural } from "../../../lib/format";
import { ENTITLEMENTS, SEVERITIES } from "../../../lib/tiers";
import type { WatchRow } from "../../../services/watches";
import { FieldError, invalid, kept, Notice, type PageModel, Post } from "./model";
import { limitHint, planFeatures, planName, upgradeLine } from "./plans";

/** Two letters for a platform's badge: the initials of its first two words, or its first two letters. */
function initials(name: string): string {
  const words = name.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  if (words.length === 0) return "?";
  const two = words.length > 1 ? `${[...words[0]][0]}${[...words[1]][0]}` : [...words[0]].slice(0, 2).join("");
  return two.toUpperCase();
}

/** One of six badge colours, the same for a platform everywhere. */
const shade = (slug: string) => {
  let h = 0;
  for (const ch of slug) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 9973;
  return `b${h % 6}`;
};

function Badge({ slug, name }: { slug: string; name: string }) {
  return (
    <span class={`badge ${shade(slug)}`} aria-hidden="true">
      {slug === "*" ? "All" : initials(name)}
    </span>
  );
}

export function Plan({ m }: { m: PageModel }) {
  const upgrade = upgradeLine(m.tier);
  const trial = m.user.tier !== m.tier && m.user.trialEndsAt;
  return (
    <section id="plan" class="card" aria-labelledby="plan-h">
      <h2 id="plan-h">Your plan: {planName(m.tier)}</h2>
      {trial ? (
        <p class="notice info">{`A ${planName(m.tier)} trial runs until ${formatDate(trial.toISOString(), m.user.timezone)}; then the ${planName(m.user.tier)} plan applies again. Nothing is deleted: what it does not include is paused.`}</p>
      ) : null}
      <ul class="features">
        {planFeatures(m.tier).map((f) => (
          <li key={f}>{f}</li>
        ))}
      </ul>
      {upgrade ? <p class="muted">{upgrade}</p> : null}
    </section>
  );
}

const nameOf = (m: PageModel, slug: string) => (slug === "*" ? "Every platform" : (m.names.get(slug) ?? slug));

/** What one watch covers, in words: the whole platform, a document's title, a provision's title. */
function scope(m: PageModel, w: WatchRow): string {
  if (!w.document) return "The whole platform";
  const doc = m.names.get(`${w.platform}/${w.document}`) ?? w.document;
  if (!w.provision) return doc;
  return `${doc} › ${m.names.get(`${w.platform}/${w.document}/${w.provision}`) ?? w.provision}`;
}

function WatchItem({ m, w }: { m: PageModel; w: WatchRow }) {
  const what = `${nameOf(m, w.platform)} · ${scope(m, w)}`;
  return (
    <li>
      <div>
        <span>{scope(m, w)}</span>{" "}
        <span class={`pill ${w.minSeverity ? `sev-${w.minSeverity}` : "neutral"}`}>
          {w.minSeverity
            ? `${capitalise(w.minSeverity)}${w.minSeverity === "critical" ? " only" : " and above"}`
            : "Any severity"}
        </span>
        {w.categories && w.categories.length > 0 ? (
          <span class="muted small">{` Categories: ${w.categories.join(", ")}`}</span>
        ) : null}
        {w.paused ? (
          <p class="muted small">
            <span class="pill paused">Paused</span>
            {w.pausedReason === "tier_limit"
              ? " Over your plan's limit: it resumes when your plan allows it."
              : " Nothing is sent for it."}
          </p>
        ) : null}
      </div>
      <Post action="/preferences/watches/remove" csrf={m.csrf} at="watchlist">
        <input type="hidden" name="id" value={w.id} />
        <button type="submit" class="secondary" aria-label={`Remove ${what}`}>
          Remove
        </button>
      </Post>
    </li>
  );
}

/** The watches, one group per platform, by name; in each, the whole platform first, then documents by title. */
function Groups({ m }: { m: PageModel }) {
  const groups = new Map<string, WatchRow[]>();
  for (const w of m.watches) groups.set(w.platform, [...(groups.get(w.platform) ?? []), w]);
  const sorted = [...groups]
    .map(
      ([slug, ws]) =>
        [slug, ws.sort((a, b) => (a.document ? 1 : 0) - (b.document ? 1 : 0) || scope(m, a).localeCompare(scope(m, b)))] as const,
    )
    .sort(([a], [b]) => (a === "*" ? -1 : b === "*" ? 1 : nameOf(m, a).localeCompare(nameOf(m, b))));
  return (
    <ul class="plain groups" aria-label="Your watches">
      {sorted.map(([slug, ws]) => (
        <li class="group" key={slug}>
          <div class="group-head">
            <Badge slug={slug} name={nameOf(m, slug)} />
            <div>
              <strong>{nameOf(m, slug)}</strong>
              <span class="muted small">
                {slug === "*" ? "changes in your categories" : `${slug} · ${plural(ws.length, "watch", "watches")}`}
              </span>
            </div>
          </div>
          <ul>
            {ws.map((w) => (
              <WatchItem m={m} w={w} key={w.id} />
            ))}
          </ul>
        </li>
      ))}
    </ul>
  );
}

export function Watchlist({ m }: { m: PageModel }) {
  const e = ENTITLEMENTS[m.tier];
  const active = new Set(m.watches.filter((w) => !w.paused).map((w) => w.platform));
  const full = active.size >= e.maxPlatforms;
  return (
    <section id="watchlist" class="card" aria-labelledby="watchlist-h">
      <h2 id="watchlist-h">Watchlist</h2>
      <Notice m={m} at="watchlist" />
      <p>
        {Number.isFinite(e.maxPlatforms)
          ? `You watch ${plural(active.size, "platform")} of the ${e.maxPlatforms} your plan allows.`
          : `You watch ${plural(active.size, "platform")}; your plan has no limit.`}{" "}
        {full ? (limitHint(m.tier, "platforms") ?? "") : ""}
      </p>
      {m.watches.length === 0 ? (
        <p class="notice info">Nothing on your watchlist yet: find a platform below, or add one by name.</p>
      ) : (
        <Groups m={m} />
      )}
      <AddWatch m={m} />
    </section>
  );
}

function Catalog({ m }: { m: PageModel }) {
  const e = ENTITLEMENTS[m.tier];
  const watchedPlatforms = new Set(m.watches.filter((w) => !w.document).map((w) => w.platform));
  if (m.catalog.length === 0) {
    return <p class="muted">{m.q ? `No platform matches "${m.q}".` : "The catalog is empty until the first change arrives."}</p>;
  }
  return (
    <ul class="plain catalog" aria-label="Catalog">
      {m.catalog.map((p) => (
        <li key={p.slug}>
          <div>
            <Badge slug={p.slug} name={p.name} />
            <div>
              <strong>{p.name}</strong> <span class="muted small">{p.slug}</span>
              {e.granularity.includes("document") && p.documents.length > 0 ? (
                <details>
                  <summary>{`Documents (${p.documents.length})`}</summary>
                  <ul class="plain catalog">
                    {p.documents.map((d) => (
                      <li key={d.slug}>
                        <div>{d.title}</div>
                        <Post action="/preferences/watches/add" csrf={m.csrf} at="add-watch">
                          <input type="hidden" name="platform" value={p.slug} />
                          <input type="hidden" name="document" value={d.slug} />
                          <button type="submit" class="secondary" aria-label={`Watch ${p.name} · ${d.title}`}>
                            Watch document
                          </button>
                        </Post>
                      </li>
                    ))}
                  </ul>
                </details>
              ) : null}
            </div>
          </div>
          {watchedPlatforms.has(p.slug) ? (
            <span class="pill active">Watching</span>
          ) : (
            <Post action="/preferences/watches/add" csrf={m.csrf} at="add-watch">
              <input type="hidden" name="platform" value={p.slug} />
              <button type="submit" aria-label={`Watch ${p.name}`}>
                Watch
              </button>
            </Post>
          )}
        </li>
      ))}
    </ul>
  );
}

function AddWatch({ m }: { m: PageModel }) {
  const e = ENTITLEMENTS[m.tier];
  const v = kept(m, "add-by-name");
  return (
    <div id="add-watch" class="sub">
      <h3>Add a platform</h3>
      <Notice m={m} at="add-watch" />
      <form method="get" action="/preferences#add-watch" aria-label="Search the catalog">
        <label for="q">Search platforms</label>
        <div class="row">
          <input type="search" id="q" name="q" value={m.q} />
          <button type="submit">Search</button>
        </div>
      </form>
      <Catalog m={m} />

      <div id="add-by-name">
        <h3>Add by name</h3>
        <Notice m={m} at="add-by-name" />
        <Post action="/preferences/watches/add" csrf={m.csrf} label="Add a watch by name" at="add-by-name">
          <input type="hidden" name="form" value="by-name" />
          <fieldset>
            <legend>Any platform, even one no change has mentioned yet</legend>
            <label for="w-platform">Platform</label>
            <input
              type="text"
              id="w-platform"
              name="platform"
              required
              maxlength={100}
              autocomplete="off"
              list="platform-names"
              value={v?.platform ?? ""}
              {...invalid(m, "add-by-name", "platform")}
            />
            <p class="hint">Its name or short name, e.g. Netflix or netflix.</p>
            <FieldError m={m} at="add-by-name" name="platform" />
            <datalist id="platform-names">
              {m.platformOptions.map((p) => (
                <option key={p.slug} value={p.name} />
              ))}
            </datalist>
            {e.granularity.includes("document") ? (
              <>
                <label for="w-document">Document (optional)</label>
                <input
                  type="text"
                  id="w-document"
                  name="document"
                  maxlength={100}
                  autocomplete="off"
                  value={v?.document ?? ""}
                  {...invalid(m, "add-by-name", "document")}
                />
                <p class="hint">Its title or short name, e.g. Terms of Use; empty watches the whole platform.</p>
                <FieldError m={m} at="add-by-name" name="document" />
              </>
            ) : null}
            {e.filters.includes("min_severity") ? (
              <>
                <label for="w-severity">Only changes of at least this severity</label>
                <select id="w-severity" name="min_severity">
                  <option value="">Any severity</option>
                  {SEVERITIES.map((s) => (
                    <option key={s} value={s} selected={v?.min_severity === s}>
                      {capitalise(s)}
                    </option>
                  ))}
                </select>
              </>
            ) : (
              <p class="muted">Single documents and severity filters come with the Watcher plan.</p>
            )}
            <button type="submit">Add watch</button>
          </fieldset>
        </Post>
      </div>
    </div>
  );
}
