import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/*
 * drizzle's migrator applies a migration only when its journal time (`when`) is later than the
 * newest one the database has recorded: a migration whose time goes backwards is silently skipped
 * on every database that already has its predecessor (only fresh ones would get it).
 */
const journal = JSON.parse(readFileSync(new URL("../../drizzle/meta/_journal.json", import.meta.url), "utf8")) as {
  entries: { idx: number; when: number; tag: string }[];
};

describe("drizzle/meta/_journal.json", () => {
  it("lists the migrations in order, each later than the one before", () => {
    const { entries } = journal;
    expect(entries.map((e) => e.idx)).toEqual(entries.map((_, i) => i));
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i].when, `${entries[i].tag} is not later than ${entries[i - 1].tag}`).toBeGreaterThan(entries[i - 1].when);
      expect(entries[i].tag.startsWith(String(i).padStart(4, "0"))).toBe(true);
    }
  });

  it("has no migration dated in the future (one generated today would sort before it)", () => {
    for (const e of journal.entries) expect(e.when, e.tag).toBeLessThanOrEqual(Date.now());
  });
});
