import { describe, expect, it } from "vitest";
import { localParts, nextDigestAt } from "../../src/lib/digest-schedule";
import type { Day } from "../../src/lib/time";

/** [zone, day, hour, after (UTC), expected next instant (UTC), why] */
const table: [string, Day, number, string, string, string][] = [
  ["UTC", "mon", 9, "2026-06-03T12:00:00Z", "2026-06-08T09:00:00Z", "plain UTC, next Monday"],
  ["UTC", "mon", 9, "2026-06-08T09:00:00Z", "2026-06-15T09:00:00Z", "strictly after: the same instant moves a week"],
  ["UTC", "mon", 9, "2026-06-08T08:59:59Z", "2026-06-08T09:00:00Z", "a second before: today"],
  // America/New_York: DST starts 2026-03-08 02:00 (EST→EDT), ends 2026-11-01 02:00 (EDT→EST)
  ["America/New_York", "sun", 9, "2026-03-01T15:00:00Z", "2026-03-08T13:00:00Z", "first Sunday of EDT: 09:00 local = 13:00Z"],
  ["America/New_York", "sun", 9, "2026-03-07T00:00:00Z", "2026-03-08T13:00:00Z", "the spring-forward day itself"],
  [
    "America/New_York",
    "sun",
    2,
    "2026-03-07T00:00:00Z",
    "2026-03-08T07:00:00Z",
    "02:00 does not exist: 03:00 EDT, the first valid instant",
  ],
  ["America/New_York", "sun", 1, "2026-10-31T00:00:00Z", "2026-11-01T05:00:00Z", "01:00 happens twice: the first one (EDT)"],
  ["America/New_York", "sun", 1, "2026-11-01T05:00:00Z", "2026-11-08T06:00:00Z", "…and not again an hour later"],
  ["America/New_York", "sun", 9, "2026-10-31T00:00:00Z", "2026-11-01T14:00:00Z", "fall-back day: 09:00 EST = 14:00Z"],
  // Europe/Berlin: 2026-03-29 02:00 CET→CEST, 2026-10-25 03:00 CEST→CET
  ["Europe/Berlin", "mon", 9, "2026-03-25T12:00:00Z", "2026-03-30T07:00:00Z", "Monday 09:00 after spring forward (CEST)"],
  ["Europe/Berlin", "mon", 9, "2026-03-17T12:00:00Z", "2026-03-23T08:00:00Z", "Monday 09:00 before it (CET)"],
  ["Europe/Berlin", "mon", 9, "2026-10-20T12:00:00Z", "2026-10-26T08:00:00Z", "Monday 09:00 after fall back (CET)"],
  ["Europe/Berlin", "sun", 2, "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z", "02:00 skipped: 03:00 CEST"],
  ["Asia/Kolkata", "mon", 9, "2026-06-01T00:00:00Z", "2026-06-01T03:30:00Z", "+05:30"],
  ["Asia/Kathmandu", "mon", 9, "2026-06-01T00:00:00Z", "2026-06-01T03:15:00Z", "+05:45"],
  ["Pacific/Chatham", "mon", 9, "2026-06-01T00:00:00Z", "2026-06-07T20:15:00Z", "+12:45 in the southern winter"],
  ["Pacific/Chatham", "mon", 9, "2026-12-01T00:00:00Z", "2026-12-06T19:15:00Z", "+13:45 in the southern summer"],
  // Lord Howe: +10:30 standard, +11 in summer (a 30-minute shift, 2026-10-04 02:00 → 02:30)
  [
    "Australia/Lord_Howe",
    "sun",
    2,
    "2026-10-01T00:00:00Z",
    "2026-10-03T15:30:00Z",
    "02:00 inside the 30-minute gap: 02:30 (+11)",
  ],
  ["Australia/Lord_Howe", "mon", 9, "2026-06-01T00:00:00Z", "2026-06-07T22:30:00Z", "+10:30 in winter"],
  ["Australia/Lord_Howe", "mon", 9, "2026-12-01T00:00:00Z", "2026-12-06T22:00:00Z", "+11 in summer"],
];

describe("nextDigestAt", () => {
  it.each(table)("%s %s %i:00 after %s → %s (%s)", (tz, day, hour, after, expected) => {
    expect(nextDigestAt(day, hour, tz, new Date(after)).toISOString()).toBe(new Date(expected).toISOString());
  });

  it("keeps Monday 09:00 Berlin at 09:00 local every week across both transitions", () => {
    let t = new Date("2026-03-01T00:00:00Z");
    for (let week = 0; week < 40; week++) {
      t = nextDigestAt("mon", 9, "Europe/Berlin", t);
      const local = localParts(t, "Europe/Berlin");
      expect([local.weekday, local.hour, local.minute]).toEqual(["mon", 9, 0]);
    }
  });

  it("a user changing zone mid-week gets the next instant in the new zone", () => {
    const now = new Date("2026-06-03T12:00:00Z"); // Wednesday
    const inBerlin = nextDigestAt("fri", 9, "Europe/Berlin", now);
    const inTokyo = nextDigestAt("fri", 9, "Asia/Tokyo", now);
    expect(inBerlin.toISOString()).toBe("2026-06-05T07:00:00.000Z");
    expect(inTokyo.toISOString()).toBe("2026-06-05T00:00:00.000Z");
  });
});
