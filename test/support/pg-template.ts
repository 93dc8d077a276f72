import pg from "pg";
import { openDb } from "../../src/server/db/index.js";
import { migrationKey } from "./pglite-template.js";
import { withDatabase } from "./db.js";

// vitest globalSetup, with TEST_DATABASE_URL set: one migrated PostgreSQL database that every test database copies
// (CREATE DATABASE … TEMPLATE, test/support/db.ts) instead of running ~100 migrations into a fresh schema, which cost
// PostgreSQL ~1.5–2 s of CPU per test database. Kept between runs (this machine's CI runs against the same server),
// named after the migrations' text, so a changed migration makes a new one; the migrations test still builds from
// scratch. Built under an advisory lock and marked ready by its comment once migrated, so two runs at once, or a run
// stopped mid-way, never copy a half-migrated one. When it cannot be made (a role without CREATEDB), test databases
// are schemas of TEST_DATABASE_URL migrated one by one, as before.
const READY = "showcart test template: migrated";

export default async function setup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return;
  const name = `showcart_tpl_${migrationKey()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query("select pg_advisory_lock(hashtext($1))", [name]);
    const found = await admin.query<{ comment: string | null }>("select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1", [
      name,
    ]);
    if (found.rows[0]?.comment !== READY) {
      if (found.rows.length > 0) await admin.query(`drop database ${name} with (force)`);
      await admin.query(`create database ${name}`);
      const handle = await openDb({ databaseUrl: withDatabase(url, name), poolSize: 1 });
      await handle.close();
      await admin.query(`comment on database ${name} is '${READY}'`);
    }
    process.env.TEST_PG_TEMPLATE = name;
  } catch (err) {
    console.warn(`no PostgreSQL template database (${(err as Error).message}): test databases are migrated schemas`);
  } finally {
    await admin.end();
  }
}
