import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { type Db, type DbHandle, openDb } from "../../src/server/db/index.js";
import { PGliteDialect } from "../../src/server/db/pglite-driver.js";

export type Backend = "pglite" | "postgres";

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export const backends: Backend[] = process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

export const uniqueSchema = () => `t_${randomBytes(6).toString("hex")}`;

/**
 * The settings every node of a test cluster shares: TEST_DATABASE_URL in `schema`, TEST_REDIS_URL under a Redis prefix
 * of the schema's name (clusters sharing the Redis never see each other's keys or channels), the Redis bus, one
 * SECRETS_KEY.
 */
export function clusterEnv(schema: string): Record<string, string> {
  return {
    DATABASE_URL: process.env.TEST_DATABASE_URL!,
    DATABASE_SCHEMA: schema,
    REDIS_URL: process.env.TEST_REDIS_URL!,
    REDIS_PREFIX: `${schema}:`,
    BUS: "redis",
    SECRETS_KEY: randomBytes(32).toString("hex"),
  };
}

/** A test's database: on PostgreSQL also the URL that reaches it (a second node's pool, a child server). */
export type TestDb = DbHandle & { url?: string };

export async function openTestDb(backend: Backend): Promise<TestDb> {
  if (backend === "postgres") {
    const copy = await copyTestDatabase();
    if (copy) {
      const handle = await openDb({ databaseUrl: copy.url });
      return {
        ...handle,
        url: copy.url,
        close: async () => {
          await handle.close();
          await copy.drop();
        },
      };
    }
    const schema = uniqueSchema();
    const handle = await openDb({ databaseUrl: process.env.TEST_DATABASE_URL, schema });
    return {
      ...handle,
      close: async () => {
        await sql.raw(`drop schema ${schema} cascade`).execute(handle.db);
        await handle.close();
      },
    };
  }
  return openDb({ dataDir: "memory://", pgliteTemplate: process.env.PGLITE_TEMPLATE });
}

/** The URL of another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** One statement on its own connection to TEST_DATABASE_URL (CREATE/DROP DATABASE refuse a transaction block). */
async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * A new PostgreSQL database for one test, copied from the suite's migrated template (test/support/pg-template.ts):
 * ~0.1 s instead of ~1.5–2 s of migrations. Null when there is no template (then a migrated schema stands in).
 * drop() removes it once the test's connections to it have closed.
 */
export async function copyTestDatabase(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const template = process.env.TEST_PG_TEMPLATE;
  const base = process.env.TEST_DATABASE_URL;
  if (!template || !base) return null;
  const name = uniqueSchema();
  await adminQuery(`create database ${name} template ${template}`);
  return { url: withDatabase(base, name), drop: () => dropDatabase(name) };
}

/**
 * Drops a test database once its pools have closed. A pool's end() returns before its sessions have gone, and PostgreSQL
 * waits up to 5 s for sessions that are leaving; WITH (FORCE) would end them itself, and the FATAL it sends reaches
 * clients that are still closing as an unhandled error. Sessions still there after the wait (a pool nobody closed)
 * are ended by force.
 */
async function dropDatabase(name: string): Promise<void> {
  try {
    await adminQuery(`drop database if exists ${name}`);
  } catch (err) {
    if ((err as { code?: string }).code !== "55006") throw err; // object_in_use
    await adminQuery(`drop database if exists ${name} with (force)`);
  }
}

export function dropSchema(schema: string): Promise<void> {
  return adminQuery(`drop schema if exists ${schema} cascade`);
}

/** An empty database (openDb would run every migration first). */
export async function emptyDb(backend: Backend): Promise<{ db: Db; close(): Promise<void> }> {
  if (backend === "postgres") {
    const schema = uniqueSchema();
    await adminQuery(`create schema ${schema}`);
    const pool = new pg.Pool({ connectionString: process.env.TEST_DATABASE_URL, max: 2, options: `-c search_path=${schema}` });
    const db: Db = new Kysely({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      close: async () => {
        await db.destroy();
        await dropSchema(schema);
      },
    };
  }
  const db: Db = new Kysely({ dialect: new PGliteDialect(new PGlite("memory://")) });
  return { db, close: () => db.destroy() };
}
