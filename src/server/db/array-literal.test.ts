import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { integerArrayLiteral, textArrayLiteral } from "./array-literal.js";
import type { DbHandle } from "./index.js";

const awkward = ["plain", "", " spaced ", "NULL", "null", 'quo"te', "back\\slash", '\\"both', "a,b", "{brace}", "ü€😀", "tab\tnew\nline", "x".repeat(300)];

describe.each(backends)("array literals (%s)", (backend) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await openTestDb(backend);
  }, 120_000);
  afterAll(() => h?.close());

  it("reads back every text element as given, nulls as null, in order", async () => {
    const values = [...awkward, null, "after null"];
    const r = await sql<{
      v: string | null;
      ord: string;
    }>`select v, ord from unnest(${textArrayLiteral(values)}::text[]) with ordinality as t(v, ord) order by ord`.execute(h.db);
    expect(r.rows.map((x) => x.v)).toEqual(values);
  });

  it("reads back integers (negative, zero, beyond 2^31) and nulls; an empty list is an empty array", async () => {
    const values = [0, -5, 2 ** 40, Number.MAX_SAFE_INTEGER, null, 7];
    const r = await sql<{ v: string | null }>`select v from unnest(${integerArrayLiteral(values)}::bigint[]) with ordinality as t(v, ord) order by ord`.execute(
      h.db,
    );
    expect(r.rows.map((x) => (x.v === null ? null : Number(x.v)))).toEqual(values);
    const empty = await sql<{ n: number }>`select cardinality(${textArrayLiteral([])}::text[]) as n`.execute(h.db);
    expect(Number(empty.rows[0]!.n)).toBe(0);
  });
});

describe("integerArrayLiteral", () => {
  it("refuses what is not a safe integer instead of writing 1e+21, 1.5 or NaN", () => {
    for (const bad of [1.5, Number.NaN, 1e21, Number.POSITIVE_INFINITY]) expect(() => integerArrayLiteral([bad])).toThrow(/safe integer/);
    expect(integerArrayLiteral([1, null, -2])).toBe("{1,NULL,-2}");
  });
});
