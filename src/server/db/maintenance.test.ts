import { PGlite } from "@electric-sql/pglite";
import { Kysely, sql } from "kysely";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedMaintenance, FREEZE_AGE, maintenanceCounter, maintenanceFor } from "./maintenance.js";
import { PGliteDialect } from "./pglite-driver.js";

describe("embedded maintenance (PGlite has no autovacuum)", () => {
  it("vacuums, analyses or leaves a table by autovacuum's thresholds", () => {
    const t = { schema: "public", table: "t", rows: 1000, dead: 0, changedSinceAnalyze: 0, xidAge: 1000 };
    expect(maintenanceFor(t)).toBeNull();
    expect(maintenanceFor({ ...t, dead: 250 })).toBeNull(); // 50 + 20 % of 1,000
    expect(maintenanceFor({ ...t, dead: 251 })).toBe("vacuum");
    expect(maintenanceFor({ ...t, changedSinceAnalyze: 150 })).toBeNull(); // 50 + 10 %
    expect(maintenanceFor({ ...t, changedSinceAnalyze: 151 })).toBe("analyze");
    expect(maintenanceFor({ ...t, dead: 251, changedSinceAnalyze: 151 })).toBe("vacuum");
    // Never vacuumed nor analysed (reltuples -1): the base alone.
    expect(maintenanceFor({ ...t, rows: -1, dead: 51 })).toBe("vacuum");
    expect(maintenanceFor({ ...t, rows: -1, changedSinceAnalyze: 51 })).toBe("analyze");
    // Old unfrozen transaction ids: vacuumed however few rows changed.
    expect(maintenanceFor({ ...t, xidAge: FREEZE_AGE + 1 })).toBe("vacuum");
  });

  describe("on PGlite", () => {
    let pg: PGlite;
    let db: Kysely<any>;
    beforeAll(async () => {
      pg = new PGlite("memory://");
      db = new Kysely({ dialect: new PGliteDialect(pg) });
      await pg.exec(`
        create table offer (id int primary key, remaining int not null);
        create index offer_remaining on offer (remaining);
        insert into offer select g, 1000 from generate_series(1, 100) g;
        create table quiet (id int primary key);
        insert into quiet values (1), (2);
      `);
    });
    afterAll(async () => {
      await db.destroy();
    });

    const stats = async (table: string) => {
      await sql`select pg_stat_force_next_flush()`.execute(db);
      return (
        await sql<{ dead: number; analyzed: Date | null; vacuumed: Date | null; size: number }>`
          select n_dead_tup::int as dead, last_analyze as analyzed, last_vacuum as vacuumed,
                 pg_relation_size(relid)::int as size
            from pg_stat_user_tables where relname = ${table}`.execute(db)
      ).rows[0]!;
    };

    it("vacuums a table full of dead rows, so its space is reused, and leaves a quiet one alone", async () => {
      const registry = new Registry();
      const maintenance = new EmbeddedMaintenance(db, pino({ level: "silent" }), maintenanceCounter(registry));
      // The first pass analyses what was loaded (100 inserted rows: more than 50 changed since no analysis).
      expect(await maintenance.run()).toEqual(["analyze public.offer"]);
      expect((await stats("offer")).analyzed).not.toBeNull();
      expect((await stats("quiet")).analyzed).toBeNull();

      // Every sale updates the indexed count: not a HOT update, so each leaves a dead row behind in table and index.
      const sell = async (n: number) => {
        for (let i = 0; i < n; i++) await sql`update offer set remaining = remaining - 1 where id = ${1 + (i % 10)}`.execute(db);
      };
      await sell(2000);
      expect((await stats("offer")).dead).toBeGreaterThan(1000);
      const bloated = (await stats("offer")).size;

      expect(await maintenance.run()).toEqual(["vacuum public.offer"]);
      const after = await stats("offer");
      expect(after.dead).toBe(0);
      expect(after.vacuumed).not.toBeNull();
      expect(await maintenance.run()).toEqual([]);

      // The space the vacuum freed is what the next sales write into: the table does not grow again.
      await sell(2000);
      await maintenance.run();
      await sell(2000);
      expect((await stats("offer")).size).toBeLessThanOrEqual(bloated);
      expect(await registry.getSingleMetricAsString("showcart_db_maintenance_total")).toMatch(/op="vacuum"\} [2-9]/);
    });
  });
});
