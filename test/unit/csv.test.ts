import { describe, expect, it } from "vitest";
import { csvCell, csvRecord } from "../../src/lib/csv";

describe("csvCell", () => {
  it.each([
    ["=1+1", "'=1+1"],
    ["+33 1 23 45", "'+33 1 23 45"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1:A2)", "'@SUM(A1:A2)"],
    ["\tcmd", "'\tcmd"],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ["\r=1", `"'\r=1"`],
  ])("a cell starting like a formula is prefixed with ': %j", (input, out) => {
    expect(csvCell(input)).toBe(out);
  });

  it.each([
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["crlf\r\n", '"crlf\r\n"'],
    ["a=b", "a=b"],
    ["", ""],
  ])("quotes only what RFC 4180 needs: %j", (input, out) => {
    expect(csvCell(input)).toBe(out);
  });

  it("null and undefined are empty; numbers are written as numbers", () => {
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(csvCell(3)).toBe("3");
    expect(csvCell(-1)).toBe("-1");
  });
});

describe("csvRecord", () => {
  it("joins cells with commas and ends with CRLF", () => {
    expect(csvRecord(["a", null, 2, "=x", "b,c"])).toBe('a,,2,\'=x,"b,c"\r\n');
    expect(csvRecord([])).toBe("\r\n");
  });
});
