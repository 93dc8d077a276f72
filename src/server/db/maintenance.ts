import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync } from "fastify";
import { type Kysely, sql } from "kysely";
import { Counter, type Registry } from "prom-client";

/**
 * The embedded PGlite runs no autovacuum (a single-user backend has no launcher): without this, every UPDATE's and
 * DELETE's dead row stays, tables and indexes only grow, the planner never gets statistics, and transaction ids are
 * never frozen. So the node does what autovacuum would, with autovacuum's own thresholds: a table with more dead rows
 * than 50 + 20 % of its rows is vacuumed (and analysed), one with more changed rows since its last analysis than
 * 50 + 10 % is analysed, one whose oldest unfrozen transaction id is older than FREEZE_AGE is vacuumed (which then
 * freezes, as PostgreSQL's aggressive vacuum does past vacuum_freeze_table_age). One table per statement: on the one
 * connection, other statements wait for one table's vacuum, not for the whole database's. PostgreSQL has its own.
 */
export const MAINTENANCE_EVERY_MS = 5 * 60_000;
const VACUUM_BASE = 50;
const VACUUM_SCALE = 0.2;
const ANALYZE_BASE = 50;
const ANALYZE_SCALE = 0.1;
// PostgreSQL's vacuum_freeze_table_age default: a vacuum past it scans the whole table and freezes.
export const FREEZE_AGE = 150_000_000;

export interface TableNeeds {
  schema: string;
  table: string;
  /** Rows as the last vacuum or analysis counted them (-1 or 0 before the first). */
  rows: number;
  dead: number;
  changedSinceAnalyze: number;
  xidAge: number;
}

/** What autovacuum would do to a table now: vacuum (with analyze), analyze only, or nothing. */
export function maintenanceFor(t: TableNeeds): "vacuum" | "analyze" | null {
  const rows = Math.max(t.rows, 0);
  if (t.dead > VACUUM_BASE + VACUUM_SCALE * rows || t.xidAge > FREEZE_AGE) return "vacuum";
  if (t.changedSinceAnalyze > ANALYZE_BASE + ANALYZE_SCALE * rows) return "analyze";
  return null;
}

export class EmbeddedMaintenance {
  #stopped = false;

  constructor(
    private readonly db: Kysely<any>,
    private readonly log: FastifyBaseLogger,
    private readonly done?: Counter<"op">,
  ) {}

  /** One pass: the tables that need it, one statement each. Returns what was done, as `op schema.table`. */
  async run(): Promise<string[]> {
    // The counts of this (the only) backend reach the statistics at most once a second: flushed now, they are current.
    await sql`select pg_stat_force_next_flush()`.execute(this.db);
    const { rows } = await sql<{ schema: string; table: string; rows: number; dead: string; changed: string; xid_age: number }>`
      select s.schemaname as schema, s.relname as table, c.reltuples::float8 as rows, s.n_dead_tup as dead,
             s.n_mod_since_analyze as changed, age(c.relfrozenxid) as xid_age
        from pg_stat_user_tables s join pg_class c on c.oid = s.relid
       order by s.n_dead_tup desc`.execute(this.db);
    const out: string[] = [];
    for (const r of rows) {
      if (this.#stopped) break;
      const needs: TableNeeds = {
        schema: r.schema,
        table: r.table,
        rows: Number(r.rows),
        dead: Number(r.dead),
        changedSinceAnalyze: Number(r.changed),
        xidAge: Number(r.xid_age),
      };
      const op = maintenanceFor(needs);
      if (!op) continue;
      const started = performance.now();
      const target = sql.id(r.schema, r.table);
      await (op === "vacuum" ? sql`vacuum (analyze) ${target}` : sql`analyze ${target}`).execute(this.db);
      this.done?.inc({ op });
      this.log.debug({ op, table: `${r.schema}.${r.table}`, dead: needs.dead, ms: Math.round(performance.now() - started) }, "embedded maintenance");
      out.push(`${op} ${r.schema}.${r.table}`);
    }
    return out;
  }

  stop(): void {
    this.#stopped = true;
  }
}

/** The part of http/sweepers.ts's Sweepers this needs (db/ imports nothing of the modules but their schemas). */
interface SweeperInstall {
  install(app: FastifyInstance, start: (every: (ms: number, job: () => Promise<unknown>) => void) => void): void;
}

/** Runs the maintenance every MAINTENANCE_EVERY_MS with the sweepers (the embedded database only). */
export const embeddedMaintenanceModule: FastifyPluginAsync<{ maintenance: EmbeddedMaintenance; sweepers: SweeperInstall }> = async (
  app,
  { maintenance, sweepers },
) => {
  sweepers.install(app, (every) => every(MAINTENANCE_EVERY_MS, () => maintenance.run()));
  app.addHook("onClose", async () => maintenance.stop());
};

export function maintenanceCounter(metrics: Registry): Counter<"op"> {
  return new Counter({
    name: "showcart_db_maintenance_total",
    help: "Vacuums and analyses the node ran on its embedded PGlite (which has no autovacuum), by op",
    labelNames: ["op"],
    registers: [metrics],
  });
}
