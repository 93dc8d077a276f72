import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends, emptyDb, openTestDb } from "../../../test/support/db.js";
import { type Db, migrate } from "./index.js";
import { migrationPlan, moduleMigrations } from "./migrations.js";

describe("migrationPlan", () => {
  it("groups the modules' parts by id, in id order, each id's parts in module order", () => {
    const plan = migrationPlan([
      {
        module: "a",
        migrations: [
          { id: 7, name: "seven", sql: "a7" },
          { id: 2, name: "two", sql: "a2" },
        ],
      },
      { module: "b", migrations: [{ id: 2, name: "two", sql: "b2" }] },
    ]);
    expect(plan).toEqual([
      {
        id: 2,
        name: "two",
        parts: [
          { module: "a", sql: "a2" },
          { module: "b", sql: "b2" },
        ],
      },
      { id: 7, name: "seven", parts: [{ module: "a", sql: "a7" }] },
    ]);
  });

  it("refuses parts of one id with different names, and two parts of one id in one module", () => {
    expect(() =>
      migrationPlan([
        { module: "a", migrations: [{ id: 2, name: "two", sql: "" }] },
        { module: "b", migrations: [{ id: 2, name: "deux", sql: "" }] },
      ]),
    ).toThrow(/migration 2: b names it "deux"/);
    expect(() =>
      migrationPlan([
        {
          module: "a",
          migrations: [
            { id: 2, name: "two", sql: "" },
            { id: 2, name: "two", sql: "" },
          ],
        },
      ]),
    ).toThrow(/migration 2: a has two parts/);
  });

  it("keeps the released history: 46 ids, each recorded under its released name", () => {
    const plan = migrationPlan();
    expect(plan.map((m) => m.id)).toEqual([
      1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 20, 25, 35, 36, 45, 50, 51, 55, 56, 57, 58, 59, 60, 62, 66, 70, 72, 73, 80, 81, 85, 95, 96, 97, 98,
      99, 100, 101, 102, 103, 104,
    ]);
    expect(plan.find((m) => m.id === 1)?.parts.map((p) => p.module)).toEqual(["catalog", "accounts", "shows", "offers", "orders", "commissions", "chat"]);
    expect(new Set(moduleMigrations.map((m) => m.module)).size).toBe(moduleMigrations.length);
  });
});

describe.each(backends)("migrate (%s)", (backend) => {
  // One empty database for both tests (a PGlite takes seconds to start): their ids and tables differ.
  let handle: { db: Db; close(): Promise<void> } | undefined;
  beforeAll(async () => {
    handle = await emptyDb(backend);
  });
  afterAll(async () => {
    await handle?.close();
  });

  const exists = async (table: string) =>
    (
      await sql<{
        n: number;
      }>`select count(*)::int as n from information_schema.tables where table_schema = current_schema() and table_name = ${table}`.execute(handle!.db)
    ).rows[0].n === 1;

  it("runs no part of an id the database recorded, and every part of a new id in module order, recorded once", async () => {
    const foundation = { id: 1, name: "foundation", parts: [{ module: "catalog", sql: "create table merchants (id text primary key);\n" }] };
    expect(await migrate(handle!.db, [foundation])).toEqual([1]);
    const applied = await migrate(handle!.db, [
      // Recorded now: running its part again would fail (merchants exists).
      foundation,
      {
        id: 100_001,
        name: "test: two parts",
        parts: [
          { module: "a", sql: "create table t_parent (id text primary key);\n" },
          { module: "b", sql: "create table t_child (id text primary key, parent_id text references t_parent(id));\n" },
        ],
      },
    ]);
    expect(applied).toEqual([100_001]);
    expect(await exists("t_child")).toBe(true);
    const recorded = await handle!.db.selectFrom("schema_migrations").select(["id", "name"]).where("id", "=", 100_001).execute();
    expect(recorded).toEqual([{ id: 100_001, name: "test: two parts" }]);
  });

  it("rolls back every part of an id when one part fails, and records nothing", async () => {
    await expect(
      migrate(handle!.db, [
        {
          id: 100_002,
          name: "test: second part fails",
          parts: [
            { module: "a", sql: "create table t_first (id text primary key);\n" },
            { module: "b", sql: "create table t_second (id text references t_missing(id));\n" },
          ],
        },
      ]),
    ).rejects.toThrow();
    expect(await exists("t_first")).toBe(false);
    expect(await handle!.db.selectFrom("schema_migrations").select("id").where("id", "=", 100_002).execute()).toEqual([]);
  });
});

describe.each(backends)("the migrated schema (%s)", (backend) => {
  it("checks a paid order's rows only against the keys the order itself does not already make (migration 103)", async () => {
    const handle = await openTestDb(backend);
    try {
      const { rows } = await sql<{ name: string }>`
        select c.conname as name from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
        where c.contype = 'f' and n.nspname = current_schema() and t.relname in ('orders', 'ledger_postings', 'order_attributions')
        order by 1`.execute(handle.db);
      expect(rows.map((r) => r.name)).toEqual([
        "ledger_postings_host_account_id_fkey",
        "ledger_postings_transaction_id_fkey",
        "order_attributions_order_id_fkey",
        "orders_account_id_fkey",
        "orders_offer_id_fkey",
      ]);
    } finally {
      await handle.close();
    }
  });
});
