/** @jsxImportSource hono/jsx */
import type { WatchRow } from "../../db/schema/watches";
import { formatDate, plural, watchLabel } from "../../delivery/render/format";
import { ENTITLEMENTS, SEVERITIES } from "../../lib/tiers";
import { type PageModel, Post } from "./model";
import { limitHint, planFeatures, planName, upgradeLine } from "./plans";

const watchRef = (w: WatchRow) => ({
  platform: w.platform,
  document: w.document,
  provision: w.provision,
  min_severity: w.minSeverity,
  categories: w.categories,
});

export function Plan({ m }: { m: PageModel }) {
  const upgrade = upgradeLine(m.tier);
  const trial = m.user.tier !== m.tier && m.user.trialEndsAt;
  return (
    <section aria-labelledby="plan-h">
      <h2 id="plan-h">Your plan: {planName(m.tier)}</h2>
      {trial ? (
        <p>{`A ${planName(m.tier)} trial runs until ${formatDate(trial.toISOString(), m.user.timezone)}; then the ${planName(m.user.tier)} plan applies again. Nothing is deleted: what it does not include is paused.`}</p>
      ) : null}
      <ul>
        {planFeatures(m.tier).map((f) => (
          <li key={f}>{f}</li>
        ))}
      </ul>
      {upgrade ? <p>{upgrade}</p> : null}
    </section>
  );
}

export function Watchlist({ m }: { m: PageModel }) {
  const e = ENTITLEMENTS[m.tier];
  const active = new Set(m.watches.filter((w) => !w.paused).map((w) => w.platform));
  const watchedPlatforms = new Set(m.watches.filter((w) => !w.document).map((w) => w.platform));
  const full = active.size >= e.maxPlatforms;
  return (
    <section id="watchlist" aria-labelledby="watchlist-h">
      <h2 id="watchlist-h">Watchlist</h2>
      <p>
        {Number.isFinite(e.maxPlatforms)
          ? `You watch ${plural(active.size, "platform")} of the ${e.maxPlatforms} your plan allows.`
          : `You watch ${plural(active.size, "platform")}; your plan has no limit.`}{" "}
        {full ? (limitHint(m.tier, "platforms") ?? "") : ""}
      </p>
      {m.watches.length === 0 ? <p class="muted">Nothing on your watchlist yet: add a platform below.</p> : null}
      <ul class="items" aria-label="Your watches">
        {m.watches.map((w) => (
          <li key={w.id}>
            <div>
              <span>{watchLabel(watchRef(w))}</span>
              {w.paused ? (
                <span class="muted">{w.pausedReason === "tier_limit" ? " — paused: over your plan's limit" : " — paused"}</span>
              ) : null}
            </div>
            <Post action="/preferences/watches/remove" csrf={m.csrf}>
              <input type="hidden" name="id" value={w.id} />
              <button type="submit" class="secondary" aria-label={`Remove ${watchLabel(watchRef(w))}`}>
                Remove
              </button>
            </Post>
          </li>
        ))}
      </ul>

      <h3>Add from the catalog</h3>
      <form method="get" action="/preferences" aria-label="Search the catalog">
        <label for="q">Search platforms</label>
        <div class="row">
          <input type="search" id="q" name="q" value={m.q} />
          <button type="submit">Search</button>
        </div>
      </form>
      {m.catalog.length === 0 ? (
        <p class="muted">{m.q ? `No platform matches "${m.q}".` : "The catalog is empty until the first change arrives."}</p>
      ) : (
        <ul class="items" aria-label="Catalog">
          {m.catalog.map((p) => (
            <li key={p.slug}>
              <div>
                <strong>{p.name}</strong> <span class="muted">({p.slug})</span>
                {e.granularity.includes("document") && p.documents.length > 0 ? (
                  <details>
                    <summary>{`Documents (${p.documents.length})`}</summary>
                    <ul class="items">
                      {p.documents.map((d) => (
                        <li key={d.slug}>
                          <div>{d.title}</div>
                          <Post action="/preferences/watches/add" csrf={m.csrf}>
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
              {watchedPlatforms.has(p.slug) ? (
                <span class="muted">Watching</span>
              ) : (
                <Post action="/preferences/watches/add" csrf={m.csrf}>
                  <input type="hidden" name="platform" value={p.slug} />
                  <button type="submit" aria-label={`Watch ${p.name}`}>
                    Watch
                  </button>
                </Post>
              )}
            </li>
          ))}
        </ul>
      )}

      <h3>Add by name</h3>
      <Post action="/preferences/watches/add" csrf={m.csrf} label="Add a watch by name">
        <fieldset>
          <legend>A platform, even one no change has mentioned yet</legend>
          <label for="w-platform">Platform (its short name, e.g. anthropic)</label>
          <input type="text" id="w-platform" name="platform" required maxlength={100} autocomplete="off" />
          {e.granularity.includes("document") ? (
            <>
              <label for="w-document">Document (optional, e.g. claudeai-terms-of-service)</label>
              <input type="text" id="w-document" name="document" maxlength={100} autocomplete="off" />
            </>
          ) : null}
          {e.filters.includes("min_severity") ? (
            <>
              <label for="w-severity">Only changes of at least this severity</label>
              <select id="w-severity" name="min_severity">
                <option value="">Any severity</option>
                {SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {s}
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
    </section>
  );
}
