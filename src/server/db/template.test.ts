import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Db, migrate, openDb } from "./index.js";
import { migrationPlan } from "./migrations.js";
import { PGliteDialect } from "./pglite-driver.js";

// PGLITE_TEMPLATE: a new embedded database unpacks a migrated data directory instead of running initdb; an existing
// one is opened as it is, and migrations the template lacks still run.
describe("a PGlite template", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "showcart-template-"));
  const template = path.join(dir, "template.tar");
  const plan = migrationPlan();
  const last = plan.at(-1)!.id;

  beforeAll(async () => {
    // A template one migration behind today's, holding a row, as an older suite run would have left it.
    const client = new PGlite("memory://");
    const db: Db = new Kysely({ dialect: new PGliteDialect(client) });
    await migrate(db, plan.slice(0, -1));
    // A table of the test's own: any module's table may change in a later migration.
    await sql`create table template_marker (id text primary key)`.execute(db);
    await sql`insert into template_marker (id) values ('from-template')`.execute(db);
    fs.writeFileSync(template, Buffer.from(await (await client.dumpDataDir("none")).arrayBuffer()));
    await db.destroy();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const applied = async (db: Db) => (await sql<{ id: number }>`select id from schema_migrations order by id`.execute(db)).rows.map((r) => r.id);
  const markers = async (db: Db) => (await sql<{ id: string }>`select id from template_marker`.execute(db)).rows.map((r) => r.id);

  it("starts a new database from it and runs only the migrations it lacks", async () => {
    for (const dataDir of ["memory://", path.join(dir, "new")]) {
      const handle = await openDb({ dataDir, pgliteTemplate: template });
      expect(await applied(handle.db)).toEqual(plan.map((m) => m.id));
      expect(await markers(handle.db)).toEqual(["from-template"]);
      await handle.close();
    }
  });

  it("leaves an existing data directory as it is, and a missing template means an ordinary start", async () => {
    const existing = path.join(dir, "existing");
    const first = await openDb({ dataDir: existing, pgliteTemplate: path.join(dir, "missing.tar") });
    await expect(markers(first.db)).rejects.toThrow(/template_marker/);
    expect((await applied(first.db)).at(-1)).toBe(last);
    await sql`create table template_marker (id text primary key)`.execute(first.db);
    await sql`insert into template_marker (id) values ('its-own')`.execute(first.db);
    await first.close();
    const again = await openDb({ dataDir: existing, pgliteTemplate: template });
    expect(await markers(again.db)).toEqual(["its-own"]);
    await again.close();
  });
});
