import { describe, expect, it } from "vitest";
import { csvDocument } from "./csv.js";

describe("csvDocument (every CSV export)", () => {
  it("quotes commas, quotes and line breaks (RFC 4180, CRLF rows) and leaves plain cells alone", () => {
    const csv = csvDocument(
      ["a", "b", "c"],
      [
        ["x,y", 'say "hi"', "line 1\nline 2"],
        ["plain", 42, null],
        ["cr\ronly", undefined, ""],
      ],
    );
    expect(csv).toBe('a,b,c\r\n"x,y","say ""hi""","line 1\nline 2"\r\nplain,42,\r\n"cr\ronly",,\r\n');
  });

  it.each([
    ['=HYPERLINK("http://evil")', '\'=HYPERLINK(""http://evil"")'],
    ["+49 30 1234", "'+49 30 1234"],
    ["-1+2", "'-1+2"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tcmd", "'\tcmd"],
  ])("prefixes %j, which a spreadsheet would run, with an apostrophe", (cell, out) => {
    const line = csvDocument(["c"], [[cell]]).split("\r\n")[1]!;
    expect(line === out || line === `"${out}"`).toBe(true);
  });

  it("keeps plain numbers, negative ones too, as numbers", () => {
    expect(csvDocument(["amount"], [["-12.50"], [-3], ["0.99"]])).toBe("amount\r\n-12.50\r\n-3\r\n0.99\r\n");
  });
});
