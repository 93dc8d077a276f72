import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { backends, openTestDb } from "../../../test/support/db.js";
import { type DbHandle, scoped } from "../db/index.js";
import { AppError } from "../platform/errors.js";
import type { OrdersTables } from "./schema.js";
import { OrderTicks } from "./ticks.js";

describe.each(backends)("order ticks (group commit) on %s", (backend) => {
  let handle: DbHandle;
  afterEach(async () => handle?.close());

  it("commits a tick's items together; a refused item or failed statement undoes only its own writes", async () => {
    handle = await openTestDb(backend);
    const db = scoped<OrdersTables>(handle.db);
    await sql`create table tick_probe (id text primary key, n int not null)`.execute(db);
    const ticks = new OrderTicks(db);
    const insert = (id: string, fail?: "refuse" | "duplicate") =>
      ticks.run("offer:a", async (tx) => {
        await sql`insert into tick_probe values (${id}, 1)`.execute(tx);
        if (fail === "refuse") throw AppError.expected("sold_out");
        if (fail === "duplicate") await sql`insert into tick_probe values (${id}, 2)`.execute(tx); // unique violation
        return id;
      });
    // Submitted in one turn of the event loop: one tick (one transaction, a savepoint per item).
    const results = await Promise.allSettled([
      insert("a"),
      insert("b", "refuse"),
      insert("c"),
      insert("d", "duplicate"),
      insert("e"),
      ticks.run(
        "offer:a",
        async () => "never",
        () => {
          throw AppError.expected("sold_out");
        },
      ),
    ]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : r.reason instanceof AppError ? r.reason.code : "db_error"))).toEqual([
      "a",
      "sold_out",
      "c",
      "db_error",
      "e",
      "sold_out",
    ]);
    const rows = await sql<{ id: string }>`select id from tick_probe order by id`.execute(db);
    expect(rows.rows.map((r) => r.id)).toEqual(["a", "c", "e"]);
  });

  it("decides a tick set-wise when every item can be, and runs it again item by item when the set-wise form throws", async () => {
    handle = await openTestDb(backend);
    const db = scoped<OrdersTables>(handle.db);
    await sql`create table tick_probe (id text primary key, n int not null)`.execute(db);
    const ticks = new OrderTicks(db);
    let fail = false;
    // The set-wise form: one statement for the whole tick (or a failure after a write of its own, rolled back).
    const run = async (ids: unknown[]) =>
      db.transaction().execute(async (tx) => {
        for (const id of ids) await sql`insert into tick_probe values (${id as string}, 2)`.execute(tx);
        if (fail) throw new Error("set-wise failed");
        return ids.map((id) => `${id as string}:together`);
      });
    const item = (id: string) =>
      ticks.run(
        "offer:b",
        async (tx) => {
          await sql`insert into tick_probe values (${id}, 1)`.execute(tx);
          return `${id}:alone`;
        },
        undefined,
        { run, input: id },
      );
    expect(await Promise.all([item("a"), item("b")])).toEqual(["a:together", "b:together"]);
    fail = true;
    expect(await Promise.all([item("c"), item("d")])).toEqual(["c:alone", "d:alone"]);
    expect(ticks.stats).toEqual({ setWise: 2, fellBack: 1 });
    const rows = await sql<{ id: string; n: number }>`select id, n from tick_probe order by id`.execute(db);
    expect(rows.rows).toEqual([
      { id: "a", n: 2 },
      { id: "b", n: 2 },
      { id: "c", n: 1 },
      { id: "d", n: 1 },
    ]);
  });

  it("runs a lone item as a plain transaction: its failure rolls back its writes", async () => {
    handle = await openTestDb(backend);
    const db = scoped<OrdersTables>(handle.db);
    await sql`create table tick_probe (id text primary key, n int not null)`.execute(db);
    const ticks = new OrderTicks(db);
    await expect(
      ticks.run("paid:s", async (tx) => {
        await sql`insert into tick_probe values ('x', 1)`.execute(tx);
        throw AppError.expected("conflict");
      }),
    ).rejects.toMatchObject({ code: "conflict" });
    expect(await ticks.run("paid:s", async (tx) => (await sql<{ n: number }>`select count(*)::int as n from tick_probe`.execute(tx)).rows[0]!.n)).toBe(0);
  });
});
