import { sql, type Transaction } from "kysely";
import type { Database } from "../db/index.js";
import { AppError } from "../platform/errors.js";

/**
 * Takes `quantity` units of a variant's stock inside the caller's transaction (an offer being created). One
 * conditional UPDATE, so concurrent offers can never take more than there is; the check constraint stock >= 0 backs it.
 */
export async function reserveVariantStock(tx: Transaction<Database>, variantId: string, quantity: number): Promise<number> {
  const row = await tx
    .updateTable("product_variants")
    .set({ stock: sql<number>`stock - ${quantity}` })
    .where("id", "=", variantId)
    .where("archived_at", "is", null)
    .where("stock", ">=", quantity)
    .returning("stock")
    .executeTakeFirst();
  if (row) return row.stock;
  const v = await tx.selectFrom("product_variants").select(["stock", "archived_at"]).where("id", "=", variantId).executeTakeFirst();
  if (!v || v.archived_at) throw new AppError("not_found", "No such variant.");
  throw new AppError("insufficient_stock", `Only ${v.stock} in stock.`, { stock: v.stock });
}

/** Puts units back (an offer closed with units unsold, or an order of a closed offer was released or refunded). */
export async function returnVariantStock(tx: Transaction<Database>, variantId: string, quantity: number): Promise<void> {
  if (quantity <= 0) return;
  await tx
    .updateTable("product_variants")
    .set({ stock: sql<number>`stock + ${quantity}` })
    .where("id", "=", variantId)
    .execute();
}
