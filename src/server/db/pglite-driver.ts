import {
  type CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from "kysely";
import { slicedWork } from "../platform/sliced-work.js";
import { PreparedStatements, type PGliteWire } from "./pglite-prepared.js";

/** What the driver needs of PGlite: PGlite itself, or PGliteThread (the same database in a worker thread). */
export interface PGliteClient {
  readonly waitReady: Promise<void>;
  readonly closed: boolean;
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  close(): Promise<void>;
}

// PGlite is a single connection. Kysely may ask for several connections at once (concurrent transactions), so
// acquire/release is serialised: a caller waits until the previous holder released. Without this, concurrent
// read-check-write transactions interleave on the one connection and oversell (see STYLE.md, known traps).
//
// Who gets the connection next, and when. PGlite runs in this thread, so this decides how its work and the rest of
// the server's share the event loop:
// - Every hand-over in the releasing holder's turn (a promise): a backlog of queued transactions ran back to back for
//   seconds under load, while a room flush, written in slices of one per turn, waited for every such turn.
// - Every hand-over on a later turn (setImmediate), the rule since then: one transaction per turn. It is also what
//   group commit lives on (a flash sale's hold and confirm ticks fill up while the next turn comes): handing over in
//   the same turn whenever there was time left had a sale at 3.0–3.3 ms of server CPU per paid order in 3 of 4 runs,
//   against 2.2–2.5 in 3 of 4 before (2026-12-06; thin evidence on a noisy VM). But while a 10,000-socket room
//   flushes, every turn also writes a slice of ~1,000 sockets (6–20 ms): the database got ~50 turns a second, its
//   queue grew for as long as the room was busy, and the one-tap orders of the fan-out bench waited 8–14 s for the
//   connection.
// So while sliced work runs (platform/sliced-work.ts), a turn hands the connection on for as long as the latest slice
// took (at least HANDOVER_BUDGET_MS) before it lets I/O and the next slice in: while both are backlogged, each gets
// about half of the loop (the room coalesces what it could not write; the database's queue has nothing to coalesce).
// Otherwise one hand-over per turn, as before (docs/operations.md).
export const HANDOVER_BUDGET_MS = 8;
const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** Serialises holders of the one connection; see above for when the next holder gets it. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  /** When the turn that last handed over on a later turn started it (performance.now()); null before the first. */
  #turnStartedAt: number | null = null;

  /** `shareTurns` answers the budget of a turn in ms while turns are shared, else null (one hand-over per turn). */
  constructor(
    private readonly shareTurns: () => number | null = () => (slicedWork.active ? Math.max(HANDOVER_BUDGET_MS, slicedWork.lastSliceMs) : null),
    private readonly now: () => number = () => performance.now(),
  ) {}

  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const acquired = this.#tail.then(() => this.#handOver()).then(() => release);
    this.#tail = this.#tail.then(() => next);
    return acquired;
  }

  /** At once while turns are shared and this one is within its budget; else on the next turn (a new budget). */
  #handOver(): Promise<void> | void {
    if (this.#turnStartedAt !== null) {
      const budget = this.shareTurns();
      if (budget !== null && this.now() - this.#turnStartedAt < budget) return;
    }
    return nextTurn().then(() => {
      this.#turnStartedAt = this.now();
    });
  }
}

class PGliteConnection implements DatabaseConnection {
  // PGlite in this thread runs statements prepared once by name (db/pglite-prepared.ts); PGliteThread by its query.
  readonly #prepared: PreparedStatements | null;

  constructor(private readonly pg: PGliteClient) {
    this.#prepared = "execProtocol" in pg ? new PreparedStatements(pg as unknown as PGliteWire) : null;
  }

  /** Transaction control (begin, commit, rollback): one simple Query message where PGlite runs in this thread. */
  async control(sql: string): Promise<void> {
    if (this.#prepared) await this.#prepared.simple(sql);
    else await this.pg.query(sql);
  }

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const params = q.parameters as readonly unknown[];
    const res = this.#prepared ? await this.#prepared.query<R>(q.sql, params) : await this.pg.query<R>(q.sql, [...params]);
    const affected = res.affectedRows;
    return {
      rows: res.rows,
      numAffectedRows: affected !== undefined ? BigInt(affected) : undefined,
    };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("streaming queries are not supported on PGlite");
  }
}

class PGliteDriver implements Driver {
  readonly #mutex = new Mutex();
  readonly #connection: PGliteConnection;
  #release: (() => void) | null = null;

  constructor(private readonly pg: PGliteClient) {
    this.#connection = new PGliteConnection(pg);
  }

  async init(): Promise<void> {
    await this.pg.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    this.#release = await this.#mutex.lock();
    return this.#connection;
  }

  async beginTransaction(c: DatabaseConnection): Promise<void> {
    await (c as PGliteConnection).control("begin");
  }

  async commitTransaction(c: DatabaseConnection): Promise<void> {
    await (c as PGliteConnection).control("commit");
  }

  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await (c as PGliteConnection).control("rollback");
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = null;
    release?.();
  }

  async destroy(): Promise<void> {
    const release = await this.#mutex.lock();
    try {
      if (!this.pg.closed) await this.pg.close();
    } finally {
      release();
    }
  }
}

export class PGliteDialect implements Dialect {
  constructor(private readonly pg: PGliteClient) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pg);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}
