import { sql } from "kysely";
import type { SqlHandle } from "./audit-log.js";

/**
 * A show's games of one table (`giveaways`, `polls`), newest first (created_at, then id for a tie), at most `limit`.
 * `shown`: only those viewers may see (not drafts).
 */
export async function showGameIds(db: SqlHandle, table: "giveaways" | "polls", showId: string, opts: { limit: number; shown?: boolean }): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select id from ${sql.table(table)} where show_id = ${showId} ${
    opts.shown ? sql`and status <> ${"draft"}` : sql``
  } order by created_at desc, id desc limit ${opts.limit}`.execute(db);
  return rows.map((r) => r.id);
}
