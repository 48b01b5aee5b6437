/** @jsxImportSource hono/jsx */
import { CHANNEL_TYPE_LABEL } from "../../../lib/format";
import { ENTITLEMENTS } from "../../../lib/tiers";
import type { ChannelRow } from "../../../services/channels";
import { FieldError, invalid, kept, Notice, type PageModel, Post } from "./model";
import { channelsLine, limitHint } from "./plans";

const STATE_LABEL: Record<ChannelRow["status"], string> = {
  active: "Active",
  pending_verification: "Waiting for confirmation",
  disabled: "Disabled",
  paused: "Paused",
};

const DISABLED_WHY: Record<string, string> = {
  user: "you turned it off",
  bounced: "emails to this address bounced, so it is on our do-not-mail list",
  complaint: "a message was reported as spam from this address, so it is on our do-not-mail list",
  unsubscribed: "its recipient unsubscribed with the link in a message",
  recipient_opted_out: "its recipient asked for no more confirmation emails, so it cannot be confirmed",
};

/** Why a channel is or is not delivering, in words. */
function channelStatus(ch: ChannelRow): string {
  switch (ch.status) {
    case "active":
      return "Active";
    case "pending_verification":
      return "Waiting for confirmation: we emailed a link to this address, and nothing else is sent there until it is followed";
    case "paused":
      return ch.statusReason === "tier_limit" ? "Paused: your plan allows fewer channels" : "Paused";
  }
  const why =
    DISABLED_WHY[ch.statusReason ?? ""] ?? (ch.statusReason ? `the provider reported ${ch.statusReason}` : "no reason given");
  return `Disabled: ${why}`;
}

function ChannelCard({ m, ch }: { m: PageModel; ch: ChannelRow }) {
  const name = `${CHANNEL_TYPE_LABEL[ch.type]} ${ch.target}`;
  const off = ch.status === "disabled" || ch.status === "paused";
  const detail = channelStatus(ch).replace(/^(Active|Paused|Disabled|Waiting for confirmation)(: )?/, "");
  return (
    <li class="tile">
      <div>
        <span class={`pill ${ch.status}`}>{STATE_LABEL[ch.status]}</span>{" "}
        <span class="muted small">{`${CHANNEL_TYPE_LABEL[ch.type]}${ch.isAccountEmail ? " · account email" : ""}`}</span>
      </div>
      <div class="target">{ch.target}</div>
      {detail ? <p class="small">{`${STATE_LABEL[ch.status]}: ${detail}`}</p> : null}
      <div class="actions">
        {ch.status === "active" ? (
          <Post action="/preferences/channels/test" csrf={m.csrf} at="channels">
            <input type="hidden" name="id" value={ch.id} />
            <button type="submit" class="secondary" aria-label={`Send a test message to ${name}`}>
              Send test
            </button>
          </Post>
        ) : null}
        <Post action="/preferences/channels/enable" csrf={m.csrf} at="channels">
          <input type="hidden" name="id" value={ch.id} />
          <input type="hidden" name="enabled" value={off ? "true" : "false"} />
          <button type="submit" class="secondary" aria-label={`${off ? "Turn on" : "Turn off"} ${name}`}>
            {off ? "Turn on" : "Turn off"}
          </button>
        </Post>
        {ch.isAccountEmail ? null : (
          <Post action="/preferences/channels/remove" csrf={m.csrf} at="channels">
            <input type="hidden" name="id" value={ch.id} />
            <button type="submit" class="secondary" aria-label={`Remove ${name}`}>
              Remove
            </button>
          </Post>
        )}
      </div>
    </li>
  );
}

/** A new webhook's signing secret, once: selectable text, and a Copy button where script runs. */
function SecretCard({ m }: { m: PageModel }) {
  if (!m.secret) return null;
  return (
    <div class="notice ok" role="status" id="secret">
      <p>
        <strong>Webhook added.</strong>
        {` Your webhook ${m.secret.target} signs every request with this secret. Copy it now: it is not shown again.`}
      </p>
      <code class="secret" id="secret-value">
        {m.secret.value}
      </code>
      <p>
        <button type="button" class="secondary" id="copy-secret" hidden>
          Copy secret
        </button>
        <span class="copied" id="copy-status" aria-live="polite" />
      </p>
    </div>
  );
}

function AddForms({ m }: { m: PageModel }) {
  const email = kept(m, "add-email");
  const hook = kept(m, "add-webhook");
  return (
    <div class="grid">
      <div id="add-email" class="tile">
        <Notice m={m} at="add-email" />
        <Post action="/preferences/channels/add" csrf={m.csrf} label="Add an email address" at="add-email">
          <fieldset>
            <legend>Add an email address</legend>
            <input type="hidden" name="type" value="email" />
            <label for="c-address">Email address</label>
            <input
              type="email"
              id="c-address"
              name="address"
              required
              maxlength={254}
              autocomplete="email"
              value={email?.address ?? ""}
              {...invalid(m, "add-email", "address")}
            />
            <FieldError m={m} at="add-email" name="address" />
            <p class="hint">We send one confirmation link to it; nothing else goes there until it is followed.</p>
            <button type="submit">Add address</button>
          </fieldset>
        </Post>
      </div>
      <div id="add-webhook" class="tile">
        <SecretCard m={m} />
        <Notice m={m} at="add-webhook" />
        <Post action="/preferences/channels/add" csrf={m.csrf} label="Add a webhook" at="add-webhook">
          <fieldset>
            <legend>Add a webhook</legend>
            <input type="hidden" name="type" value="webhook" />
            <label for="c-url">URL</label>
            <input
              type="url"
              id="c-url"
              name="url"
              required
              maxlength={2048}
              value={hook?.url ?? ""}
              {...invalid(m, "add-webhook", "url")}
            />
            <FieldError m={m} at="add-webhook" name="url" />
            <p class="hint">https, reachable from the internet. Each request is signed (Standard Webhooks).</p>
            <button type="submit">Add webhook</button>
          </fieldset>
        </Post>
      </div>
    </div>
  );
}

export function Channels({ m }: { m: PageModel }) {
  const e = ENTITLEMENTS[m.tier];
  return (
    <section id="channels" class="card" aria-labelledby="channels-h">
      <h2 id="channels-h">Delivery</h2>
      <Notice m={m} at="channels" />
      <p>{`${channelsLine(e)}.`}</p>
      <ul class="plain grid" aria-label="Your channels">
        {m.channels.map((ch) => (
          <ChannelCard m={m} ch={ch} key={ch.id} />
        ))}
      </ul>
      {e.channelTypes.length === 0 ? (
        // no add forms on this plan: a forged add's error still lands here
        <div id={m.at === "add-email" ? "add-email" : "add-webhook"}>
          <Notice m={m} at="add-email" />
          <Notice m={m} at="add-webhook" />
          <p class="notice info">{limitHint(m.tier, "channels")}</p>
        </div>
      ) : (
        <>
          <AddForms m={m} />
          {m.slackInstallUrl ? (
            <p>
              <a class="button secondary" href={m.slackInstallUrl}>
                Add to Slack
              </a>
              <span class="muted"> Choose a channel in Slack; alerts and digests are posted there.</span>
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}
