/** @jsxImportSource hono/jsx */
import type { ChannelRow } from "../../db/schema/channels";
import { CHANNEL_TYPE_LABEL } from "../../delivery/render/format";
import { ENTITLEMENTS } from "../../lib/tiers";
import { type PageModel, Post } from "./model";
import { channelsLine, limitHint } from "./plans";

/** Why a channel is not delivering, in words. */
export function channelStatus(ch: ChannelRow): string {
  switch (ch.status) {
    case "active":
      return "Active";
    case "pending_verification":
      return "Waiting for confirmation: we emailed a link to this address, and nothing else is sent there until it is followed";
    case "paused":
      return ch.statusReason === "tier_limit" ? "Paused: your plan allows fewer channels" : "Paused";
  }
  const why: Record<string, string> = {
    user: "you turned it off",
    bounced: "emails to this address bounced, so it is on our do-not-mail list",
    complaint: "a message was reported as spam from this address, so it is on our do-not-mail list",
  };
  return `Disabled: ${why[ch.statusReason ?? ""] ?? (ch.statusReason ? `the provider reported ${ch.statusReason}` : "no reason given")}`;
}

export function Channels({ m }: { m: PageModel }) {
  const e = ENTITLEMENTS[m.tier];
  return (
    <section id="channels" aria-labelledby="channels-h">
      <h2 id="channels-h">Delivery</h2>
      <p>{`${channelsLine(e)}.`}</p>
      <ul class="items" aria-label="Your channels">
        {m.channels.map((ch) => {
          const name = `${CHANNEL_TYPE_LABEL[ch.type]} ${ch.target}`;
          const off = ch.status === "disabled" || ch.status === "paused";
          return (
            <li key={ch.id}>
              <div>
                <strong>{CHANNEL_TYPE_LABEL[ch.type]}</strong> <span>{ch.target}</span>
                {ch.isAccountEmail ? <span class="muted"> (account email)</span> : null}
                <br />
                <span class="status">{channelStatus(ch)}</span>
              </div>
              <div>
                {ch.status === "active" ? (
                  <Post action="/preferences/channels/test" csrf={m.csrf}>
                    <input type="hidden" name="id" value={ch.id} />
                    <button type="submit" class="secondary" aria-label={`Send a test message to ${name}`}>
                      Send test
                    </button>
                  </Post>
                ) : null}
                <Post action="/preferences/channels/enable" csrf={m.csrf}>
                  <input type="hidden" name="id" value={ch.id} />
                  <input type="hidden" name="enabled" value={off ? "true" : "false"} />
                  <button type="submit" class="secondary" aria-label={`${off ? "Turn on" : "Turn off"} ${name}`}>
                    {off ? "Turn on" : "Turn off"}
                  </button>
                </Post>
                {ch.isAccountEmail ? null : (
                  <Post action="/preferences/channels/remove" csrf={m.csrf}>
                    <input type="hidden" name="id" value={ch.id} />
                    <button type="submit" class="secondary" aria-label={`Remove ${name}`}>
                      Remove
                    </button>
                  </Post>
                )}
              </div>
            </li>
          );
        })}
      </ul>
      {m.secret ? (
        <div class="notice ok" role="status">
          <p>{`Your webhook ${m.secret.target} signs every request with this secret. Copy it now: it is not shown again.`}</p>
          <p class="secret">{m.secret.value}</p>
        </div>
      ) : null}
      {e.channelTypes.length === 0 ? (
        <p>{limitHint(m.tier, "channels")}</p>
      ) : (
        <>
          <Post action="/preferences/channels/add" csrf={m.csrf} label="Add an email address">
            <fieldset>
              <legend>Add an email address</legend>
              <input type="hidden" name="type" value="email" />
              <label for="c-address">Email address</label>
              <input type="email" id="c-address" name="address" required maxlength={254} autocomplete="email" />
              <p class="muted">We send one confirmation link to it; nothing else goes there until it is followed.</p>
              <button type="submit">Add address</button>
            </fieldset>
          </Post>
          <Post action="/preferences/channels/add" csrf={m.csrf} label="Add a webhook">
            <fieldset>
              <legend>Add a webhook</legend>
              <input type="hidden" name="type" value="webhook" />
              <label for="c-url">URL (https, reachable from the internet)</label>
              <input type="url" id="c-url" name="url" required maxlength={2048} />
              <button type="submit">Add webhook</button>
            </fieldset>
          </Post>
          {m.slackInstallUrl ? (
            <p>
              <a href={m.slackInstallUrl}>Add to Slack</a>
              <span class="muted"> — choose a channel in Slack; alerts and digests are posted there.</span>
            </p>
          ) : null}
        </>
      )}
    </section>
  );
}
