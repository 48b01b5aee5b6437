/** @jsxImportSource hono/jsx */
import { raw } from "hono/html";
import { Layout } from "../layout";
import { Channels } from "./channels-view";
import { type PageModel, Post } from "./model";
import { Alerts, Messages, Schedule } from "./settings-view";
import { Plan, Watchlist } from "./watchlist-view";

export type { CatalogEntry, PageModel } from "./model";

/**
 * Progressive enhancement under the page's nonce; every part of the page works without it.
 * - Suggests the browser's time zone when it differs from the stored one.
 * - Shows the "Copy" button beside a new webhook secret (without script the secret is plain,
 *   selectable text) and copies it: the Clipboard API where the page is a secure context,
 *   else a selection and execCommand.
 */
const SCRIPT = `(function(){var z;try{z=Intl.DateTimeFormat().resolvedOptions().timeZone}catch(e){}
var s=document.getElementById("timezone"),h=document.getElementById("tz-hint");if(s&&h&&z&&s.value!==z){
for(var i=0;i<s.options.length;i++){if(s.options[i].value===z){h.querySelector("[data-zone]").textContent=z;h.hidden=false;
document.getElementById("tz-use").addEventListener("click",function(){s.value=z;h.hidden=true;s.focus()});break}}}
var b=document.getElementById("copy-secret"),v=document.getElementById("secret-value"),o=document.getElementById("copy-status");
if(b&&v){b.hidden=false;b.addEventListener("click",function(){var t=v.textContent.trim();function done(){o.textContent="Copied"}
function fallback(){var r=document.createRange();r.selectNodeContents(v);var g=window.getSelection();g.removeAllRanges();g.addRange(r);
try{document.execCommand("copy");done()}catch(e){o.textContent="Selected: press Ctrl+C or Cmd+C"}}
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(t).then(done,fallback)}else{fallback()}})}})();`;

const SECTIONS: [string, string][] = [
  ["watchlist", "Watchlist"],
  ["channels", "Delivery"],
  ["schedule", "Weekly digest"],
  ["alerts", "Alerts"],
  ["messages", "Unsubscribe"],
  ["account", "Sign out"],
];

/** The whole preference page. */
export function PreferencesPage({ m }: { m: PageModel }) {
  return (
    <Layout title="Preferences" nonce={m.nonce} aside={<span class="muted small">{`Signed in as ${m.user.email}.`}</span>}>
      <h1>Your clausewatch preferences</h1>
      <div class="layout">
        <nav aria-label="Sections">
          <ul class="chips">
            {SECTIONS.map(([id, label]) => (
              <li key={id}>
                <a href={`#${id}`}>{label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <div>
          <Plan m={m} />
          <Watchlist m={m} />
          <Channels m={m} />
          <Schedule m={m} />
          <Alerts m={m} />
          <Messages m={m} />
          <section id="account" class="card" aria-labelledby="account-h">
            <h2 id="account-h">Sign out</h2>
            <p class="muted">This page signs you out by itself after two hours.</p>
            <div class="actions">
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
          </section>
        </div>
      </div>
      <script nonce={m.nonce}>{raw(SCRIPT)}</script>
    </Layout>
  );
}
