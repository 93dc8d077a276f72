import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { errorCodes } from "./errors.js";

describe("error codes", () => {
  it("are all documented in docs/api.md with their HTTP status, and nothing else is", () => {
    const doc = fs.readFileSync(new URL("../../docs/api.md", import.meta.url), "utf8");
    const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(Object.entries(errorCodes).map(([code, e]) => [code, e.status])));
  });
});
