import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect, type Transaction, sql } from "kysely";
import pg from "pg";
import { type PlannedMigration, migrationPlan, statementsOf } from "./migrations.js";
import { type PGliteClient, PGliteDialect } from "./pglite-driver.js";
import { PGliteThread } from "./pglite-thread.js";
import type { Database } from "./schema.js";

export type { Database } from "./schema.js";
export type Db = Kysely<Database>;

/**
 * A transaction one module opened and hands to another (orders' subscribers, inventory, the outbox, commissions).
 * Kysely's handle is invariant in its table map, so it crosses the boundary untyped; the receiving module types it
 * to its own tables (a parameter `tx: Transaction<ItsTables>`, or `scoped`) before running a statement in it.
 */
export type SharedTx = Transaction<any>;
/** Any module's handle, the database or a transaction (the outbox writes through whichever it is given). */
export type SharedDb = Kysely<any>;

/**
 * A module's view of the database: the same connection (or transaction), typed to the tables the module owns (its
 * schema.ts) plus any foreign table it declares for a statement that must join it. Services narrow the composition
 * root's `Db` with this once, in their constructor, so a query on another module's table does not compile.
 */
export function scoped<T>(tx: SharedTx): Transaction<T>;
export function scoped<T>(db: Kysely<any>): Kysely<T>;
export function scoped<T>(db: Kysely<any>): Kysely<T> {
  return db;
}

const transactionReads = new WeakMap<object, Map<string, Promise<unknown>>>();

/**
 * A read made once per transaction: the second and later calls with the same key in the same transaction get the
 * first one's answer. For rows an order's transaction reads and never writes (the show, its hosts, the merchant's rule
 * set, webhook endpoints): a set-wise tick of 100 orders then reads each once, not 100 times. Outside a transaction
 * (`Kysely` itself) it reads every time. A failed read is not kept.
 */
export function perTransaction<T>(tx: Kysely<any>, key: string, read: () => Promise<T>): Promise<T> {
  if (!tx.isTransaction) return read();
  let reads = transactionReads.get(tx);
  if (!reads) {
    reads = new Map();
    transactionReads.set(tx, reads);
  }
  let p = reads.get(key) as Promise<T> | undefined;
  if (!p) {
    p = read();
    reads.set(key, p);
    const kept = reads;
    p.catch(() => kept.delete(key));
  }
  return p;
}

export interface DbHandle {
  db: Db;
  kind: "pglite" | "postgres";
  close(): Promise<void>;
}

// int8 (bigint: money sums, counts) as a JS number: minor units stay far below 2^53.
const INT8_OID = 20;
const NUMERIC_OID = 1700;
pg.types.setTypeParser(INT8_OID, (v) => Number(v));
pg.types.setTypeParser(NUMERIC_OID, (v) => Number(v));

export interface OpenDbOptions {
  databaseUrl?: string;
  /** PGlite data directory; "memory://" for an in-memory database. */
  dataDir?: string;
  poolSize?: number;
  /** PostgreSQL only: use (and create) this schema, e.g. one per test file. */
  schema?: string;
  /**
   * PGlite only: a data-directory tarball (PGlite's dumpDataDir) that a new, empty database starts from instead of
   * running initdb; migrations it already holds are skipped, later ones run. Ignored for an existing database.
   */
  pgliteTemplate?: string;
  /**
   * PGlite only: run the database in a worker thread (db/pglite-thread.ts), so its CPU is not spent on the event loop
   * that serves requests (PGLITE_THREAD; off by default, measured in docs/operations.md).
   */
  pgliteThread?: boolean;
}

export async function openDb(opts: OpenDbOptions): Promise<DbHandle> {
  if (opts.databaseUrl) {
    if (opts.schema) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) throw new Error(`bad schema name ${opts.schema}`);
      const admin = new pg.Client({ connectionString: opts.databaseUrl });
      await admin.connect();
      await admin.query(`create schema if not exists ${opts.schema}`);
      await admin.end();
    }
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    await migrate(db);
    return { db, kind: "postgres", close: () => db.destroy() };
  }
  const dir = opts.dataDir ?? "memory://";
  if (!dir.startsWith("memory://")) fs.mkdirSync(path.dirname(path.resolve(dir)), { recursive: true });
  const fresh = dir.startsWith("memory://") || !fs.existsSync(path.join(path.resolve(dir), "PG_VERSION"));
  // Each database gets its own copy of the template's bytes (PGlite unpacks them; a thread takes them over).
  const template = fresh && opts.pgliteTemplate ? (await loadTemplate(opts.pgliteTemplate))?.slice(0) : undefined;
  const client: PGliteClient = opts.pgliteThread
    ? new PGliteThread(dir, template)
    : new PGlite(dir, {
        ...(template ? { loadDataDir: templateBlob(template) } : {}),
        parsers: { [INT8_OID]: (v: string) => Number(v), [NUMERIC_OID]: (v: string) => Number(v) },
      });
  try {
    await client.waitReady;
  } catch (err) {
    await client.close().catch(() => undefined);
    throw err;
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  await migrate(db);
  return { db, kind: "pglite", close: () => db.destroy() };
}

// initdb in WebAssembly costs seconds of CPU (tens on a loaded machine); unpacking a migrated template costs a
// fraction of that. A missing or unreadable template only means the slow start. The last template read is kept (its
// bytes are never written; each PGlite gets its own copy of them): a test file opens dozens of databases from the
// suite's tarball, and reading it again cost 50–150 ms of CPU each time on this VM.
let lastTemplate: { key: string; bytes: Promise<ArrayBuffer | undefined> } | undefined;
async function loadTemplate(file: string): Promise<ArrayBuffer | undefined> {
  let key: string;
  try {
    const st = await fs.promises.stat(file);
    key = `${path.resolve(file)}\0${st.size}\0${st.mtimeMs}`;
  } catch {
    return undefined;
  }
  if (lastTemplate?.key !== key) {
    const bytes = fs.promises.readFile(file).then(
      (b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength),
      () => undefined,
    );
    lastTemplate = { key, bytes };
  }
  return lastTemplate.bytes;
}

/**
 * The template as PGlite reads it (it only calls `arrayBuffer()` and looks at `type`): bytes already in memory (the
 * caller's own copy). A Blob hands its bytes out through a stream of chunks joined again, ~10 % of a start's CPU for 44 MB.
 */
function templateBlob(bytes: ArrayBuffer): Blob {
  return { type: "", size: bytes.byteLength, arrayBuffer: async () => bytes } as Pick<Blob, "type" | "size" | "arrayBuffer"> as Blob;
}

// Applies pending migrations in id order under an advisory lock, so several nodes starting together against one
// PostgreSQL do not race. Each id's parts (one per module, in db/migrations.ts's module order) run in one
// transaction that records the id once: an id in schema_migrations is never run again, in any part.
export async function migrate(db: Db, plan: PlannedMigration[] = migrationPlan()): Promise<number[]> {
  const applied: number[] = [];
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(727274)`.execute(conn);
    try {
      await sql`create table if not exists schema_migrations (id integer primary key, name text not null, applied_at timestamptz not null)`.execute(conn);
      const done = new Set((await conn.selectFrom("schema_migrations").select("id").execute()).map((r) => r.id));
      for (const m of plan) {
        if (done.has(m.id)) continue;
        await conn.transaction().execute(async (tx) => {
          for (const part of m.parts) {
            for (const stmt of statementsOf(part.sql)) await sql.raw(stmt).execute(tx);
          }
          await tx.insertInto("schema_migrations").values({ id: m.id, name: m.name, applied_at: new Date() }).execute();
        });
        applied.push(m.id);
      }
    } finally {
      await sql`select pg_advisory_unlock(727274)`.execute(conn);
    }
  });
  return applied;
}

export async function pingDb(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/** PostgreSQL's unique_violation (23505), from pg or PGlite: the row a concurrent request inserted first. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: string }).code === "23505";
}
