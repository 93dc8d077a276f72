import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DbHandle, isUniqueViolation, openDb } from "./index.js";
import { PGliteThread } from "./pglite-thread.js";

// PGLITE_THREAD: the embedded database in a worker thread behaves as PGlite on the event loop's thread does — the
// same values back, the same errors, transactions serialised on the one connection, and its data on disk.
describe("PGlite in a worker thread", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-pglite-thread-"));
  const dataDir = path.join(dir, "pglite");
  let h: DbHandle;
  // The suite's migrated template (test/support/pglite-template.ts): a new database skips initdb.
  const pgliteTemplate = process.env.PGLITE_TEMPLATE;

  beforeAll(async () => {
    h = await openDb({ dataDir, pgliteThread: true, pgliteTemplate });
    await sql`create table t_stock (id int primary key, remaining int not null)`.execute(h.db);
    await sql`create table t_sold (id serial primary key, stock_id int not null)`.execute(h.db);
    await sql`create table t_values (id int primary key, n bigint, amount numeric, at timestamptz, b bytea, j jsonb, a text[])`.execute(h.db);
  }, 240_000);
  afterAll(async () => {
    await h?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("returns dates, bytes, JSON, arrays and int8/numeric as numbers", async () => {
    const at = new Date("2026-12-06T10:00:00.123Z");
    await sql`insert into t_values values (1, ${9_007_199_254_740_991n}, ${"12.50"}, ${at}, ${Buffer.from([0, 1, 255])}, ${JSON.stringify({ a: [1, "x"] })}, ${["p", "q"]})`.execute(
      h.db,
    );
    const row = (await sql<Record<string, unknown>>`select * from t_values where id = 1`.execute(h.db)).rows[0]!;
    expect(row.n).toBe(9_007_199_254_740_991);
    expect(row.amount).toBe(12.5);
    expect(row.at).toBeInstanceOf(Date);
    expect((row.at as Date).toISOString()).toBe(at.toISOString());
    expect([...(row.b as Uint8Array)]).toEqual([0, 1, 255]);
    expect(row.j).toEqual({ a: [1, "x"] });
    expect(row.a).toEqual(["p", "q"]);
    const upd = await sql`update t_values set n = 2 where id < 5`.execute(h.db);
    expect(upd.numAffectedRows).toBe(1n);
  });

  it("raises PostgreSQL's errors with their code and constraint, and rolls a failed transaction back", async () => {
    await sql`insert into t_stock values (1, 10)`.execute(h.db);
    const dup = await sql`insert into t_stock values (1, 5)`.execute(h.db).catch((e: unknown) => e);
    expect(isUniqueViolation(dup)).toBe(true);
    expect(dup).toMatchObject({ code: "23505", constraint: "t_stock_pkey" });
    await expect(
      h.db.transaction().execute(async (tx) => {
        await sql`update t_stock set remaining = 0 where id = 1`.execute(tx);
        await sql`select 1 / 0`.execute(tx);
      }),
    ).rejects.toMatchObject({ code: "22012" });
    expect((await sql<{ remaining: number }>`select remaining from t_stock where id = 1`.execute(h.db)).rows[0]!.remaining).toBe(10);
  });

  it("never sells the 11th of 10 units under 50 concurrent read-check-write transactions", async () => {
    await sql`insert into t_stock values (2, 10)`.execute(h.db);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () =>
        h.db.transaction().execute(async (tx) => {
          const { remaining } = (await sql<{ remaining: number }>`select remaining from t_stock where id = 2`.execute(tx)).rows[0]!;
          if (remaining < 1) return "sold_out";
          await sql`update t_stock set remaining = ${remaining - 1} where id = 2`.execute(tx);
          await sql`insert into t_sold (stock_id) values (2)`.execute(tx);
          return "sold";
        }),
      ),
    );
    expect(outcomes.filter((o) => o === "sold")).toHaveLength(10);
    expect((await sql<{ n: number }>`select count(*)::int as n from t_sold where stock_id = 2`.execute(h.db)).rows[0]!.n).toBe(10);
    expect((await sql<{ remaining: number }>`select remaining from t_stock where id = 2`.execute(h.db)).rows[0]!.remaining).toBe(0);
  });

  it("keeps what it wrote on disk: the same directory opened on the event loop's thread has it", async () => {
    await sql`insert into t_stock values (3, 7)`.execute(h.db);
    await h.close();
    const plain = await openDb({ dataDir, pgliteThread: false });
    try {
      expect((await sql<{ remaining: number }>`select remaining from t_stock where id = 3`.execute(plain.db)).rows[0]!.remaining).toBe(7);
    } finally {
      await plain.close();
    }
    h = await openDb({ dataDir, pgliteThread: true });
    expect((await sql<{ n: number }>`select count(*)::int as n from t_stock`.execute(h.db)).rows[0]!.n).toBe(3);
  }, 240_000);

  it("refuses queries once closed, and a thread that fails to start rejects its open", async () => {
    const thread = new PGliteThread("memory://", pgliteTemplate ? new Uint8Array(fs.readFileSync(pgliteTemplate)).buffer : undefined);
    await thread.waitReady;
    await thread.close();
    expect(thread.closed).toBe(true);
    await expect(thread.query("select 1")).rejects.toThrow(/closed/);
    // A data directory that is a file: PGlite cannot start there.
    const file = path.join(dir, "not-a-dir");
    fs.writeFileSync(file, "x");
    const broken = new PGliteThread(path.join(file, "pglite"));
    await expect(broken.waitReady).rejects.toThrow();
    await broken.close();
  }, 240_000);
});
