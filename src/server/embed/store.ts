import type { Kysely, Transaction } from "kysely";
import type { EmbedTables } from "./schema.js";

type EmbedDb = Kysely<EmbedTables> | Transaction<EmbedTables>;

export async function originsOf(db: EmbedDb, merchantId: string): Promise<string[]> {
  const rows = await db.selectFrom("embed_origins").select("origin").where("merchant_id", "=", merchantId).orderBy("created_at").orderBy("origin").execute();
  return rows.map((r) => r.origin);
}

/** The whole list at once, in one transaction: a reader sees the old list or the new one, never half of each. */
export async function replaceOrigins(db: Kysely<EmbedTables>, merchantId: string, origins: readonly string[], now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom("embed_origins").where("merchant_id", "=", merchantId).execute();
    if (origins.length === 0) return;
    // created_at keeps the merchant's order: one millisecond apart.
    await tx
      .insertInto("embed_origins")
      .values(origins.map((origin, i) => ({ merchant_id: merchantId, origin, created_at: new Date(now.getTime() + i) })))
      .execute();
  });
}
