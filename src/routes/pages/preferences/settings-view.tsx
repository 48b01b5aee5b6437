/** @jsxImportSource hono/jsx */
import { ENTITLEMENTS } from "../../../lib/tiers";
import { DAYS } from "../../../lib/time";
import { FieldError, invalid, kept, Notice, type PageModel, Post } from "./model";
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

/** "America/New_York" → "New York time"; "UTC" stays "UTC". */
function zoneWords(zone: string): string {
  if (zone === "UTC" || zone === "Etc/UTC") return "UTC";
  const city = zone.split("/").pop()?.replace(/_/g, " ") ?? zone;
  return `${city} time`;
}

/** "Mondays at 9:00, New York time" */
const scheduleWords = (day: (typeof DAYS)[number], hour: number, zone: string) =>
  `${DAY_NAME[day]}s at ${hour}:00, ${zoneWords(zone)}`;

/** How alerts are timed, in a sentence or two. */
function alertWords(window: number, quiet: { start: string; end: string } | null, zone: string): string {
  const timing =
    window === 0
      ? "Alerts are sent as soon as a change arrives."
      : `The first change waits ${window === 1 ? "a minute" : `${window} minutes`}, so that changes arriving together come in one alert.`;
  const q = quiet
    ? ` Quiet hours ${quiet.start}–${quiet.end}, ${zoneWords(zone)}: alerts wait until ${quiet.end}, except critical ones.`
    : " No quiet hours.";
  return `${timing}${q}`;
}

export function Schedule({ m }: { m: PageModel }) {
  const u = m.user;
  const v = kept(m, "schedule");
  const zone = v?.timezone ?? u.timezone;
  const zones = m.zones.includes(zone) ? m.zones : [zone, ...m.zones];
  const day = v?.day ?? u.digestDay;
  const hour = v?.hour ?? String(u.digestHour);
  const empty = v ? v.send_when_empty === "true" : u.digestSendWhenEmpty;
  return (
    <section id="schedule" class="card" aria-labelledby="schedule-h">
      <h2 id="schedule-h">Weekly digest</h2>
      <Notice m={m} at="schedule" />
      <p class="summary-line">
        {u.digestsOff ? (
          "You have turned the weekly digest off (see Unsubscribe below)."
        ) : (
          <>
            Your digest arrives <strong>{scheduleWords(u.digestDay, u.digestHour, u.timezone)}</strong>
            {u.digestSendWhenEmpty ? ", even in weeks without changes." : ", in weeks with changes."}
          </>
        )}
      </p>
      <Post action="/preferences/schedule" csrf={m.csrf} label="Digest schedule" at="schedule">
        <fieldset>
          <legend>Change when it arrives</legend>
          <div class="row">
            <div>
              <label for="s-day">Day</label>
              <select id="s-day" name="day" {...invalid(m, "schedule", "day")}>
                {DAYS.map((d) => (
                  <option key={d} value={d} selected={d === day}>
                    {DAY_NAME[d]}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label for="s-hour">Hour</label>
              <select id="s-hour" name="hour" {...invalid(m, "schedule", "hour")}>
                {HOURS.map((h) => (
                  <option key={h} value={String(h)} selected={String(h) === hour}>{`${String(h).padStart(2, "0")}:00`}</option>
                ))}
              </select>
            </div>
          </div>
          <FieldError m={m} at="schedule" name="day" />
          <FieldError m={m} at="schedule" name="hour" />
          <label for="timezone">Time zone</label>
          <select id="timezone" name="timezone" {...invalid(m, "schedule", "timezone")}>
            {zones.map((z) => (
              <option key={z} value={z} selected={z === zone}>
                {z}
              </option>
            ))}
          </select>
          <FieldError m={m} at="schedule" name="timezone" />
          <p id="tz-hint" hidden>
            {"Your browser's time zone is "}
            <strong data-zone="">?</strong>.{" "}
            <button type="button" class="secondary" id="tz-use">
              Use it
            </button>
          </p>
          <p class="check">
            <input type="checkbox" id="s-empty" name="send_when_empty" value="true" checked={empty} />
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
  const v = kept(m, "alerts");
  const stored = u.quietStart && u.quietEnd ? { start: u.quietStart, end: u.quietEnd } : null;
  const quiet = v ? v.quiet === "on" : Boolean(stored);
  const allowed = ENTITLEMENTS[m.tier].sameDayAlerts;
  return (
    <section id="alerts" class="card" aria-labelledby="alerts-h">
      <h2 id="alerts-h">Same-day alerts</h2>
      <Notice m={m} at="alerts" />
      {allowed ? (
        <p class="summary-line">
          {u.alertsOff
            ? "You have turned alerts off (see Unsubscribe below)."
            : alertWords(u.alertWindowMinutes, stored, u.timezone)}
        </p>
      ) : (
        <p class="notice info">{`Your plan has no same-day alerts; they come with the ${planName(nextTier(m.tier) ?? "watcher")} plan.`}</p>
      )}
      <Post action="/preferences/alerts" csrf={m.csrf} label="Alert timing" at="alerts">
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
            value={v?.window_minutes ?? String(u.alertWindowMinutes)}
            {...invalid(m, "alerts", "window_minutes")}
          />
          <FieldError m={m} at="alerts" name="window_minutes" />
          <fieldset>
            <legend>Quiet hours (your time zone; critical changes still come at once)</legend>
            <p class="check">
              <input type="checkbox" id="a-quiet" name="quiet" value="on" checked={quiet} />
              <label class="inline" for="a-quiet">
                Hold alerts during quiet hours
              </label>
            </p>
            <div class="row">
              <div>
                <label for="a-start">From</label>
                <input
                  type="time"
                  id="a-start"
                  name="quiet_start"
                  value={v?.quiet_start ?? u.quietStart ?? "22:00"}
                  {...invalid(m, "alerts", "quiet_start")}
                />
              </div>
              <div>
                <label for="a-end">Until</label>
                <input
                  type="time"
                  id="a-end"
                  name="quiet_end"
                  value={v?.quiet_end ?? u.quietEnd ?? "07:00"}
                  {...invalid(m, "alerts", "quiet_end")}
                />
              </div>
            </div>
            <FieldError m={m} at="alerts" name="quiet_start" />
            <FieldError m={m} at="alerts" name="quiet_end" />
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
    <section id="messages" class="card" aria-labelledby="messages-h">
      <h2 id="messages-h">Messages</h2>
      <Notice m={m} at="messages" />
      <Post action="/preferences/messages" csrf={m.csrf} label="Which messages you receive" at="messages">
        <fieldset>
          <legend>Send me</legend>
          <p class="check">
            <input type="checkbox" id="m-alerts" name="alerts" value="on" checked={!u.alertsOff} />
            <label class="inline" for="m-alerts">
              Same-day alerts
            </label>
          </p>
          <p class="check">
            <input type="checkbox" id="m-digests" name="digests" value="on" checked={!u.digestsOff} />
            <label class="inline" for="m-digests">
              The weekly digest
            </label>
          </p>
          <button type="submit">Save</button>
        </fieldset>
      </Post>
      <div class="sub">
        <Post action="/preferences/unsubscribe" csrf={m.csrf} label="Unsubscribe from everything" at="messages">
          <p>
            {u.alertsOff && u.digestsOff
              ? "You receive no messages from clausewatch."
              : "Stop every message from clausewatch, on every channel."}
          </p>
          <button type="submit" class="danger">
            Unsubscribe from everything
          </button>
        </Post>
      </div>
    </section>
  );
}
