/** @jsxImportSource hono/jsx */
import { ENTITLEMENTS } from "../../lib/tiers";
import { DAYS } from "../../lib/time";
import { type PageModel, Post } from "./model";
import { nextTier, planName } from "./plans";

const HOURS = Array.from({ length: 24 }, (_, h) => h);

const DAY_NAME: Record<(typeof DAYS)[number], string> = {
  mon: "Monday",
  tue: "Tuesday",
  wed: "Wednesday",
  thu: "Thursday",
  fri: "Friday",
  sat: "Saturday",
  sun: "Sunday",
};

export function Schedule({ m }: { m: PageModel }) {
  const u = m.user;
  const zones = m.zones.includes(u.timezone) ? m.zones : [u.timezone, ...m.zones];
  return (
    <section id="schedule" aria-labelledby="schedule-h">
      <h2 id="schedule-h">Weekly digest</h2>
      <Post action="/preferences/schedule" csrf={m.csrf} label="Digest schedule">
        <fieldset>
          <legend>When your digest arrives</legend>
          <label for="s-day">Day</label>
          <select id="s-day" name="day">
            {DAYS.map((d) => (
              <option key={d} value={d} selected={d === u.digestDay}>
                {DAY_NAME[d]}
              </option>
            ))}
          </select>
          <label for="s-hour">Hour</label>
          <select id="s-hour" name="hour">
            {HOURS.map((h) => (
              <option key={h} value={String(h)} selected={h === u.digestHour}>{`${String(h).padStart(2, "0")}:00`}</option>
            ))}
          </select>
          <label for="timezone">Time zone</label>
          <select id="timezone" name="timezone">
            {zones.map((z) => (
              <option key={z} value={z} selected={z === u.timezone}>
                {z}
              </option>
            ))}
          </select>
          <p id="tz-hint" hidden>
            {"Your browser's time zone is "}
            <strong data-zone="">?</strong>.{" "}
            <button type="button" class="secondary" id="tz-use">
              Use it
            </button>
          </p>
          <p>
            <input type="checkbox" id="s-empty" name="send_when_empty" value="true" checked={u.digestSendWhenEmpty} />
            <label class="inline" for="s-empty">
              Send it in weeks without changes too
            </label>
          </p>
          <button type="submit">Save schedule</button>
        </fieldset>
      </Post>
    </section>
  );
}

export function Alerts({ m }: { m: PageModel }) {
  const u = m.user;
  const quiet = Boolean(u.quietStart && u.quietEnd);
  return (
    <section id="alerts" aria-labelledby="alerts-h">
      <h2 id="alerts-h">Same-day alerts</h2>
      {ENTITLEMENTS[m.tier].sameDayAlerts ? null : (
        <p>{`Your plan has no same-day alerts; they come with the ${planName(nextTier(m.tier) ?? "watcher")} plan.`}</p>
      )}
      <Post action="/preferences/alerts" csrf={m.csrf} label="Alert timing">
        <fieldset>
          <legend>Timing</legend>
          <label for="a-window">Collect changes for this many minutes before sending (0 sends at once)</label>
          <input
            type="number"
            id="a-window"
            name="window_minutes"
            min={0}
            max={720}
            step={1}
            value={String(u.alertWindowMinutes)}
          />
          <fieldset>
            <legend>Quiet hours (your time zone; critical changes still come at once)</legend>
            <p>
              <input type="checkbox" id="a-quiet" name="quiet" value="on" checked={quiet} />
              <label class="inline" for="a-quiet">
                Hold alerts during quiet hours
              </label>
            </p>
            <label for="a-start">From</label>
            <input type="time" id="a-start" name="quiet_start" value={u.quietStart ?? "22:00"} />
            <label for="a-end">Until</label>
            <input type="time" id="a-end" name="quiet_end" value={u.quietEnd ?? "07:00"} />
          </fieldset>
          <button type="submit">Save alert timing</button>
        </fieldset>
      </Post>
    </section>
  );
}

export function Messages({ m }: { m: PageModel }) {
  const u = m.user;
  return (
    <section id="messages" aria-labelledby="messages-h">
      <h2 id="messages-h">Messages</h2>
      <Post action="/preferences/messages" csrf={m.csrf} label="Which messages you receive">
        <fieldset>
          <legend>Send me</legend>
          <p>
            <input type="checkbox" id="m-alerts" name="alerts" value="on" checked={!u.alertsOff} />
            <label class="inline" for="m-alerts">
              Same-day alerts
            </label>
          </p>
          <p>
            <input type="checkbox" id="m-digests" name="digests" value="on" checked={!u.digestsOff} />
            <label class="inline" for="m-digests">
              The weekly digest
            </label>
          </p>
          <button type="submit">Save</button>
        </fieldset>
      </Post>
      <Post action="/preferences/unsubscribe" csrf={m.csrf} label="Unsubscribe from everything">
        <p>
          {u.alertsOff && u.digestsOff
            ? "You receive no messages from clausewatch."
            : "Stop every message from clausewatch, on every channel."}
        </p>
        <button type="submit" class="danger">
          Unsubscribe from everything
        </button>
      </Post>
    </section>
  );
}
