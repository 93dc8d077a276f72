import { type RawBuilder, sql } from "kysely";

/** Any Kysely handle or transaction: the audit tables are named by the game, so the queries are written as SQL. */
export type SqlHandle = Parameters<RawBuilder<unknown>["execute"]>[0];

export interface GameAuditEntry {
  seq: number;
  type: string;
  accountId: string | null;
  data: unknown;
  at: string;
}

/**
 * A game's append-only audit table (`giveaway_audit`, `poll_audit`: seq, <game>_id, type, account_id, data, at).
 * Rows are written in the transaction of the change they record and read back in `seq` order.
 */
export class GameAuditLog {
  constructor(
    readonly table: "giveaway_audit" | "poll_audit",
    readonly gameColumn: "giveaway_id" | "poll_id",
  ) {}

  async write(db: SqlHandle, gameId: string, type: string, accountId: string | null, data: unknown, at: Date): Promise<void> {
    await sql`insert into ${sql.table(this.table)} (${sql.ref(this.gameColumn)}, type, account_id, data, at) values (${gameId}, ${type}, ${accountId}, ${JSON.stringify(data)}, ${at})`.execute(
      db,
    );
  }

  async read(db: SqlHandle, gameId: string): Promise<GameAuditEntry[]> {
    const { rows } = await sql<{
      seq: number | string;
      type: string;
      account_id: string | null;
      data: string;
      at: Date | string;
    }>`select seq, type, account_id, data, at from ${sql.table(this.table)} where ${sql.ref(this.gameColumn)} = ${gameId} order by seq`.execute(db);
    return rows.map((r) => ({
      seq: Number(r.seq),
      type: r.type,
      accountId: r.account_id,
      data: JSON.parse(r.data) as unknown,
      at: new Date(r.at).toISOString(),
    }));
  }
}
