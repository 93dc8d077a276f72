import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely } from "kysely";
import { migrate } from "../../src/server/db/index.js";
import { migrationPlan } from "../../src/server/db/migrations.js";
import { PGliteDialect } from "../../src/server/db/pglite-driver.js";

// vitest globalSetup: every PGlite the suite opens (test databases, test servers, child servers through the
// environment) starts from one migrated data directory instead of running initdb and ~100 migrations again. The file
// is keyed by the migrations' text, so a changed migration makes a new template; the migrations test still builds
// from scratch. The template asks for 16 MB of shared buffers instead of PostgreSQL's 128 MB: a test database holds a
// few MB, and every PGlite start sets up (and the kernel maps) that pool, about 100 ms of CPU per start on this VM.
// It also drops template0 and template1: nothing here creates a database, and a start unpacks every file of the
// template into PGlite's in-memory file system, ~900 of its ~1,440 files theirs (44 → 29 MB). With that and the bytes
// handed over without a Blob (db/index.ts), a start from it took 498–513 ms of CPU instead of 629–669 (two A/B pairs,
// 2026-12-06). Each statement alone: DROP DATABASE refuses a transaction block.
const SETTINGS = [
  "alter system set shared_buffers = '16MB'",
  "alter database template0 is_template false",
  "alter database template1 is_template false",
  "drop database template0",
  "drop database template1",
];

/** A name for the migrations' text (and the template's settings): a changed migration makes a new template. */
export function migrationKey(): string {
  const plan = migrationPlan();
  return createHash("sha256")
    .update(JSON.stringify([SETTINGS, plan.map((m) => [m.id, m.parts.map((p) => p.sql)])]))
    .digest("hex")
    .slice(0, 16);
}

export default async function setup(): Promise<void> {
  const key = migrationKey();
  const file = path.join(os.tmpdir(), `showcart-pglite-template-${key}.tar`);
  if (!fs.existsSync(file)) {
    const client = new PGlite("memory://");
    await client.waitReady;
    const db = new Kysely<any>({ dialect: new PGliteDialect(client) });
    await migrate(db);
    for (const setting of SETTINGS) await client.query(setting);
    const tar = Buffer.from(await (await client.dumpDataDir("none")).arrayBuffer());
    await db.destroy();
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, tar);
    fs.renameSync(partial, file);
  }
  process.env.PGLITE_TEMPLATE = file;
}
