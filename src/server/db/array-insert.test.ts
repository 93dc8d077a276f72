import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { insertArrays } from "./array-insert.js";
import type { DbHandle } from "./index.js";

const COLUMNS = { id: "text", note: "text", amount: "bigint", n: "integer", at: "timestamptz" } as const;

describe.each(backends)("insertArrays (%s)", (backend) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await openTestDb(backend);
    await sql`create table array_insert_t (seq bigserial, id text primary key, note text, amount bigint not null, n integer, at timestamptz)`.execute(h.db);
  }, 120_000);
  afterAll(() => h?.close());

  it("writes every row as given (awkward text, nulls, integers beyond 2^31, instants), in array order", async () => {
    const at = new Date("2026-12-05T04:05:06.789Z");
    const notes = ['quo"te', "back\\slash", "a,b", "{brace}", "NULL", "", null, "ü€😀", "tab\tnew\nline"];
    const rows = notes.map((note, i) => ({ id: `r${i}`, note, amount: 2 ** 40 + i, n: i % 2 ? null : 1 - i, at: i === 3 ? null : at }));
    await insertArrays("array_insert_t", COLUMNS, rows).execute(h.db);
    const r = await sql<{ id: string; note: string | null; amount: string; n: number | null; at: Date | string | null }>`
      select id, note, amount, n, at from array_insert_t order by seq`.execute(h.db);
    expect(r.rows.map((x) => ({ ...x, amount: Number(x.amount), at: x.at === null ? null : new Date(x.at).toISOString() }))).toEqual(
      rows.map((x) => ({ ...x, at: x.at?.toISOString() ?? null })),
    );
  });

  it("takes a tail (on conflict, returning): a duplicate key is skipped and only the new rows come back", async () => {
    const res = await insertArrays<Record<string, unknown>, { id: string }>(
      "array_insert_t",
      COLUMNS,
      [
        { id: "r0", note: "again", amount: 1, n: 1, at: new Date() },
        { id: "fresh", note: "new", amount: 2, n: 2, at: new Date() },
      ],
      sql`on conflict do nothing returning id`,
    ).execute(h.db);
    expect(res.rows).toEqual([{ id: "fresh" }]);
    const kept = await sql<{ note: string }>`select note from array_insert_t where id = 'r0'`.execute(h.db);
    expect(kept.rows[0]!.note).toBe('quo"te');
  });

  it("refuses a value that is not a column value, and a name or type that is not an identifier", () => {
    expect(() => insertArrays("array_insert_t", COLUMNS, [{ id: "x", note: { a: 1 }, amount: 1, n: 1, at: null }])).toThrow(/not a column value/);
    expect(() => insertArrays("t; drop table x", COLUMNS, [])).toThrow(/table/);
    expect(() => insertArrays("array_insert_t", { id: "text[]); drop" }, [])).toThrow(/column/);
    expect(() => insertArrays("array_insert_t", COLUMNS, [{ id: "x", note: "", amount: 1.5, n: 1, at: null }])).toThrow(/safe integer/);
  });
});
