/** IANA zone names only ("Europe/Berlin", "UTC"); offsets and abbreviations are refused. */
export function isValidTimeZone(tz: string): boolean {
  if (!/^(UTC|[A-Za-z]+(?:\/[A-Za-z0-9_+-]+){1,2})$/.test(tz) || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Day = (typeof DAYS)[number];

export const addDays = (d: Date, n: number) => new Date(d.getTime() + n * 86_400_000);
