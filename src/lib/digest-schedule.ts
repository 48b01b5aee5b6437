import type { Day } from "./time";
import { DAYS } from "./time";

/**
 * When a weekly digest is due, in the user's own zone. Local wall-clock questions are answered by
 * Intl (the runtime's tzdata), never by fixed offsets, so DST, half-hour and 45-minute zones and
 * Lord Howe's 30-minute shift all come out right:
 * - a local time that does not exist (spring forward) becomes the first valid instant after the gap;
 * - an ambiguous one (fall back) is taken once, at its first occurrence.
 */

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: Day;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall clock in `tz` at instant `t`. */
export function localParts(t: Date, tz: string): LocalParts & { second: number } {
  const p: Record<string, string> = {};
  for (const part of formatter(tz).formatToParts(t)) p[part.type] = part.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    second: Number(p.second),
    weekday: p.weekday.slice(0, 3).toLowerCase() as Day,
  };
}

/** The zone's offset from UTC at instant `t`, in ms. */
function offsetAt(t: number, tz: string): number {
  const p = localParts(new Date(t), tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(t / 1000) * 1000;
}

/** The instant at which `tz` shows this local date and hour (see the module note for gaps and overlaps). */
function localToInstant(year: number, month: number, day: number, hour: number, tz: string): Date {
  const wall = Date.UTC(year, month - 1, day, hour);
  // One transition at most lies within a day either side: the offsets before and after it.
  const before = offsetAt(wall - 86_400_000, tz);
  const after = offsetAt(wall + 86_400_000, tz);
  const shows = (t: number) => {
    const p = localParts(new Date(t), tz);
    return p.year === year && p.month === month && p.day === day && p.hour === hour && p.minute === 0;
  };
  const valid = [wall - before, wall - after].filter(shows);
  if (valid.length) return new Date(Math.min(...valid));
  // In the gap: the earlier offset lands just past it, on the first instant that exists.
  return new Date(wall - before);
}

/**
 * The first digest instant strictly after `after`: local `day` at `hour`:00 in `tz`.
 *
 * @example nextDigestAt("mon", 9, "Europe/Berlin", new Date("2026-03-25T12:00:00Z")) // 2026-03-30T07:00:00Z
 */
export function nextDigestAt(day: Day, hour: number, tz: string, after: Date): Date {
  const start = localParts(after, tz);
  for (let i = 0; i <= 8; i++) {
    // Walk local calendar days; Date.UTC normalises month ends.
    const d = new Date(Date.UTC(start.year, start.month - 1, start.day + i));
    const weekday = DAYS[(d.getUTCDay() + 6) % 7];
    if (weekday !== day) continue;
    const t = localToInstant(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), hour, tz);
    if (t.getTime() > after.getTime()) return t;
  }
  throw new Error(`no digest instant found after ${after.toISOString()} in ${tz}`);
}
