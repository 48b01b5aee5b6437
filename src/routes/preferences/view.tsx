/** @jsxImportSource hono/jsx */
import { raw } from "hono/html";
import { Channels } from "./channels-view";
import { Layout } from "./layout";
import { type PageModel, Post } from "./model";
import { Alerts, Messages, Schedule } from "./settings-view";
import { Plan, Watchlist } from "./watchlist-view";

export type { CatalogEntry, PageModel } from "./model";

/** Suggests the browser's time zone when it differs from the stored one; the page works without it. */
const TZ_SCRIPT = `(function(){var z;try{z=Intl.DateTimeFormat().resolvedOptions().timeZone}catch(e){return}
var s=document.getElementById("timezone"),h=document.getElementById("tz-hint");if(!s||!h||!z||s.value===z)return;
for(var i=0;i<s.options.length;i++){if(s.options[i].value===z){h.querySelector("[data-zone]").textContent=z;h.hidden=false;
document.getElementById("tz-use").addEventListener("click",function(){s.value=z;h.hidden=true;s.focus()});return}}})();`;

/** The whole preference page. */
export function PreferencesPage({ m }: { m: PageModel }) {
  return (
    <Layout title="Preferences" nonce={m.nonce}>
      <h1>Your clausewatch preferences</h1>
      <p class="muted">{`Signed in as ${m.user.email}.`}</p>
      <nav aria-label="Sections">
        <ul>
          <li>
            <a href="#watchlist">Watchlist</a>
          </li>
          <li>
            <a href="#channels">Delivery</a>
          </li>
          <li>
            <a href="#schedule">Digest</a>
          </li>
          <li>
            <a href="#alerts">Alerts</a>
          </li>
          <li>
            <a href="#messages">Unsubscribe</a>
          </li>
        </ul>
      </nav>
      {m.error ? (
        <div class="notice error" role="alert" id="error" tabindex={-1}>
          <p>
            <strong>That did not work: </strong>
            {m.error}
          </p>
        </div>
      ) : null}
      {m.flash ? (
        <div class="notice ok" role="status" id="status">
          <p>{m.flash}</p>
        </div>
      ) : null}
      <Plan m={m} />
      <Watchlist m={m} />
      <Channels m={m} />
      <Schedule m={m} />
      <Alerts m={m} />
      <Messages m={m} />
      <div class="row">
        <Post action="/preferences/sign-out" csrf={m.csrf} label="Sign out">
          <button type="submit" class="secondary">
            Sign out
          </button>
        </Post>
        <Post action="/preferences/sign-out-everywhere" csrf={m.csrf} label="Sign out everywhere">
          <button type="submit" class="secondary">
            Sign out everywhere
          </button>
        </Post>
      </div>
      <script nonce={m.nonce}>{raw(TZ_SCRIPT)}</script>
    </Layout>
  );
}
