import { sql } from "kysely";
import type { SqlHandle } from "./audit-log.js";

/**
 * Closes the open games of a table whose window ran out (`status = 'open' and closes_at <= now`), one by one through
 * the game's own close (which decides what closing means); the sweeper calls this every second. Returns how many.
 */
export async function closeDueGames(db: SqlHandle, table: "giveaways" | "polls", now: Date, close: (id: string) => Promise<unknown>): Promise<number> {
  const { rows } = await sql<{ id: string }>`select id from ${sql.table(table)} where status = ${"open"} and closes_at <= ${now}`.execute(db);
  for (const g of rows) await close(g.id);
  return rows.length;
}
