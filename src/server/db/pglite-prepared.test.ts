import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PreparedStatements, type PGliteWire } from "./pglite-prepared.js";

const INT8_OID = 20;
const NUMERIC_OID = 1700;

describe("named prepared statements on PGlite", () => {
  let pg: PGlite;
  beforeAll(async () => {
    // The app's own parsers (db/index.ts): int8 and numeric as numbers.
    pg = new PGlite({ parsers: { [INT8_OID]: (v: string) => Number(v), [NUMERIC_OID]: (v: string) => Number(v) } });
    await pg.exec(`
      create table item (
        id text primary key, n bigint not null, price numeric, at timestamptz, meta jsonb, tags text[], ok boolean, raw bytea
      );
    `);
  });
  afterAll(() => pg.close());

  const wire = () => pg as unknown as PGliteWire;

  it("answers the same rows and counts as PGlite's own query, for every column type the app uses", async () => {
    const prepared = new PreparedStatements(wire());
    const at = new Date("2026-12-07T03:30:00.123Z");
    const insert = "insert into item (id, n, price, at, meta, tags, ok, raw) values ($1, $2, $3, $4, $5, $6, $7, $8) returning *";
    const a = await prepared.query(insert, ["a", 2 ** 40, 12.5, at, JSON.stringify({ x: [1, "é"] }), ["p", "q r", 'say "hi"'], true, new Uint8Array([0, 255])]);
    const b = await pg.query(insert, ["b", 2 ** 40, 12.5, at, JSON.stringify({ x: [1, "é"] }), ["p", "q r", 'say "hi"'], true, new Uint8Array([0, 255])]);
    expect(a.affectedRows).toBe(1);
    expect(a.affectedRows).toBe(b.affectedRows);
    expect({ ...(a.rows[0] as object), id: "b" }).toEqual(b.rows[0]);
    expect(a.rows[0]).toMatchObject({ n: 2 ** 40, price: 12.5, at, meta: { x: [1, "é"] }, tags: ["p", "q r", 'say "hi"'], ok: true });

    const nulls = await prepared.query("insert into item (id, n, at, meta) values ($1, $2, $3, $4) returning price, at, meta, tags", ["c", 0, null, undefined]);
    expect(nulls.rows).toEqual([{ price: null, at: null, meta: null, tags: null }]);

    const update = await prepared.query("update item set n = n + $1 where id = any($2)", [1, ["a", "b", "c", "missing"]]);
    expect(update).toEqual({ rows: [], affectedRows: 3 });
    const select = await prepared.query<{ id: string; n: number }>("select id, n from item where n > $1 order by id", [1]);
    expect(select).toEqual({
      rows: [
        { id: "a", n: 2 ** 40 + 1 },
        { id: "b", n: 2 ** 40 + 1 },
      ],
      affectedRows: 0,
    });
    const removed = await prepared.query("delete from item where id = $1", ["c"]);
    expect(removed.affectedRows).toBe(1);
    // Each text was parsed once, however often it ran.
    await prepared.query("select id, n from item where n > $1 order by id", [5]);
    expect(prepared.size).toBe(5);
    await pg.exec("delete from item");
  });

  it("raises PostgreSQL's error with its code, and the connection goes on, inside and outside a transaction", async () => {
    const prepared = new PreparedStatements(wire());
    const insert = "insert into item (id, n) values ($1, $2)";
    await prepared.query(insert, ["dup", 1]);
    const err = await prepared.query(insert, ["dup", 2]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "23505", constraint: "item_pkey", query: insert });

    await prepared.simple("begin");
    await prepared.query(insert, ["in-tx", 1]);
    await expect(prepared.query(insert, ["dup", 3])).rejects.toMatchObject({ code: "23505" });
    await expect(prepared.query("select count(*)::int as c from item", [])).rejects.toMatchObject({ code: "25P02" });
    await prepared.simple("rollback");
    expect((await prepared.query<{ c: number }>("select count(*)::int as c from item", [])).rows).toEqual([{ c: 1 }]);

    // A statement that does not parse is not kept.
    const before = prepared.size;
    await expect(prepared.query("select nope from item where id = $1", ["x"])).rejects.toMatchObject({ code: "42703" });
    expect(prepared.size).toBe(before);
    // A value the column's type cannot take is refused before anything is sent.
    await expect(prepared.query("update item set at = $1 where id = $2", [{}, "dup"])).rejects.toThrow(/date/);
    expect((await prepared.query<{ id: string }>("select id from item", [])).rows).toEqual([{ id: "dup" }]);
    await pg.exec("delete from item");
  });

  it("keeps at most its limit of statements, closing the least recently run, and runs an evicted one again", async () => {
    const prepared = new PreparedStatements(wire(), 3);
    const texts = [1, 2, 3, 4, 5].map((k) => `select $1::int + ${k} as v`);
    for (const t of texts) await prepared.query(t, [1]);
    expect(prepared.size).toBe(3);
    // The evicted ones were closed in PostgreSQL too (with the next run), not only forgotten here.
    await prepared.query(texts[4]!, [1]);
    const open = await pg.query<{ statement: string }>("select statement from pg_prepared_statements where statement = any($1) order by statement", [texts]);
    expect(open.rows.map((r) => r.statement)).toEqual(texts.slice(2));
    expect((await prepared.query(texts[0]!, [1])).rows).toEqual([{ v: 2 }]);
    expect(prepared.size).toBe(3);
  });

  it("prepares a statement again when the table under it changed its result's shape", async () => {
    const prepared = new PreparedStatements(wire());
    await pg.exec("create table shape (id int primary key, a text)");
    await pg.exec("insert into shape values (1, 'x')");
    expect((await prepared.query("select * from shape", [])).rows).toEqual([{ id: 1, a: "x" }]);
    await pg.exec("alter table shape add column b int default 7");
    await expect(prepared.query("select * from shape", [])).rejects.toMatchObject({ code: "0A000" });
    expect((await prepared.query("select * from shape", [])).rows).toEqual([{ id: 1, a: "x", b: 7 }]);
  });

  it("runs statements it does not keep (DDL, transaction control) through PGlite as before", async () => {
    const prepared = new PreparedStatements(wire());
    await prepared.query("create table other (id int)", []);
    await prepared.simple("begin");
    await prepared.query("insert into other values ($1)", [1]);
    await prepared.simple("commit");
    expect((await prepared.query("select id from other", [])).rows).toEqual([{ id: 1 }]);
    expect(prepared.size).toBe(2);
  });
});
