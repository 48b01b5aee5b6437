/**
 * What PostgreSQL can store, checked at the edge so bad input is a 400 and never a 500:
 * `text` and `jsonb` refuse U+0000, `jsonb` refuses unpaired UTF-16 surrogates (`"\ud800"`),
 * and `timestamptz` cannot read the year 0 or years past 9999 as JavaScript prints them.
 */

/** True when a string holds no NUL and no unpaired surrogate. */
export function isStorableText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return false;
    if (c >= 0xdc00 && c <= 0xdfff) return false; // a low surrogate with no high one before it
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

/** True when a string holds a C0 control character or DEL (none belongs in an address or a name). */
export function hasControlCharacters(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

export const STORABLE_TEXT_MESSAGE = "must not contain NUL characters or unpaired surrogates";

const MIN_INSTANT = new Date("0001-01-01T00:00:00Z").getTime();
const MAX_INSTANT = new Date("9999-12-31T23:59:59.999Z").getTime();

/** True for an RFC 3339 time whose UTC instant lies in the years 1 to 9999. */
export function isStorableInstant(s: string): boolean {
  const t = Date.parse(s);
  return Number.isFinite(t) && t >= MIN_INSTANT && t <= MAX_INSTANT;
}

export const STORABLE_INSTANT_MESSAGE = "must lie between the years 1 and 9999 (UTC)";
