import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/lib/errors";
import { type Cursor, decodeCursor, encodeCursor, page } from "../../src/lib/pagination";
import { isStorableInstant, isStorableText } from "../../src/lib/storable";

const c: Cursor = { at: new Date("2026-05-09T14:35:38.123Z"), id: "wat_0123456789abcdef0123456789abcdef" };
const raw = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

describe("cursors", () => {
  it("round-trip", () => {
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor("")).toBeUndefined();
    const early = { at: new Date("0001-01-01T00:00:00.000Z"), id: "x" };
    expect(decodeCursor(encodeCursor(early))).toEqual(early);
  });

  it("refuse every edit with a 400 invalid_request", () => {
    const good = encodeCursor(c);
    const [at, id, sum] = JSON.parse(Buffer.from(good, "base64url").toString()) as [string, string, string];
    const edits = [
      good.slice(0, -1),
      `${good}A`,
      good.replace(/^./, (ch) => (ch === "W" ? "X" : "W")),
      raw([at, "wat_ffffffffffffffffffffffffffffffff", sum]), // another id, same checksum
      raw(["2026-05-09T14:35:39.123Z", id, sum]),
      raw([at, id]),
      raw([at, id, sum, "extra"]),
      raw({ at, id, sum }),
      raw(["0000-01-01T00:00:00.000Z", id, sum]),
      raw(["+275760-09-13T00:00:00.000Z", id, sum]),
      raw(["2026-02-30T00:00:00.000Z", id, sum]),
      raw(["2026-05-09T14:35:38Z", id, sum]),
      raw([at, "a\u0000b", sum]),
      raw([at, "", sum]),
      raw([at, 42, sum]),
      "!!!",
      "%00",
      "eyJ", // truncated base64 of "{"
      Buffer.from([0xff, 0xfe, 0xfd]).toString("base64url"), // not UTF-8
    ];
    for (const e of edits) {
      let thrown: unknown;
      try {
        decodeCursor(e);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, e).toBeInstanceOf(ApiError);
      expect((thrown as ApiError).code).toBe("invalid_request");
      expect((thrown as ApiError).message).toContain("cursor");
    }
  });

  it("page() cuts at the limit and points the cursor at the last item shown", () => {
    const rows = [1, 2, 3].map((n) => ({ at: new Date(Date.UTC(2026, 0, n)), id: `r${n}` }));
    expect(page(rows, 3, (r) => r)).toEqual({ items: rows, next_cursor: null });
    const p = page(rows, 2, (r) => r);
    expect(p.items).toEqual(rows.slice(0, 2));
    expect(decodeCursor(p.next_cursor ?? undefined)).toEqual(rows[1]);
  });
});

describe("storable", () => {
  it("text: NUL and unpaired surrogates are refused, everything else passes", () => {
    for (const s of ["", "plain", "ünïcødé", "emoji 🚀 pair", "tab\tand\nnewline", "\u007f"])
      expect(isStorableText(s), s).toBe(true);
    for (const s of ["\u0000", "a\u0000", "\ud800", "x\udfffy", "\ud83d", "end\ud83d"])
      expect(isStorableText(s), JSON.stringify(s)).toBe(false);
  });

  it("instants: years 1 to 9999 in UTC", () => {
    for (const s of ["2026-05-09T14:35:38Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-05-09T14:35:38+14:00"]) {
      expect(isStorableInstant(s), s).toBe(true);
    }
    for (const s of ["0000-12-31T23:59:59Z", "9999-12-31T23:59:59-01:00", "+275760-09-13T00:00:00Z", "nonsense"]) {
      expect(isStorableInstant(s), s).toBe(false);
    }
  });
});
