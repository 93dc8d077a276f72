import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { openDb, type DbHandle } from "../../src/server/db/index.js";

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
