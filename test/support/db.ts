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

export async function openTestDb(backend: Backend): Promise<DbHandle> {
  if (backend === "postgres") {
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

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

/** An empty database (openDb would run every migration first). */
export async function emptyDb(backend: Backend): Promise<{ db: Db; close(): Promise<void> }> {
  if (backend === "postgres") {
    const schema = uniqueSchema();
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
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
