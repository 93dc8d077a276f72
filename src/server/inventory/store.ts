import { sql, type Transaction } from "kysely";
import { textArrayLiteral } from "../db/array-literal.js";
import type { InventoryReads } from "./schema.js";

// The stock columns: offers.remaining (+ stock_version), product_variants.stock, mystery_pool_items.remaining. Each
// write is one statement; every take is a conditional UPDATE … WHERE left >= $n RETURNING, so no interleaving of
// transactions can take a unit twice (check constraints >= 0 back it). Never read-then-write here (STYLE.md, PGlite).

// The caller's transaction (a SharedTx: orders, offers, mystery, auctions…), typed to the stock columns it may touch.
type Tx = Transaction<InventoryReads>;

// Show states in which the replay sells every open offer, pinned or not. A scheduled show sells only what is pinned.
export const AFTER_SHOW: ("offline" | "ended")[] = ["offline", "ended"];
// Show states in which every open offer sells (the shop tab), except one that sells only while pinned.
export const ON_AIR: ("live" | "reconnecting")[] = ["live", "reconnecting"];

/**
 * Takes units of an offer that is on sale now (live: the pinned card, and any open offer not marked "sells only while
 * pinned"; replay: any open offer), or nothing.
 */
export function takeOnSale(tx: Tx, offerId: string, quantity: number, now: Date) {
  return (
    tx
      .updateTable("offers")
      .set({ remaining: sql<number>`remaining - ${quantity}`, stock_version: sql<number>`stock_version + 1` })
      .where("id", "=", offerId)
      .where("remaining", ">=", quantity)
      // The pinned card always sells. Live, so does every other open offer unless it sells only while pinned; after
      // the show (offline/ended, i.e. the replay) every open offer does. Scheduled: only the pinned card.
      .where((eb) =>
        eb.or([
          eb("pinned", "=", true),
          eb.exists(
            eb
              .selectFrom("shows")
              .select("shows.id")
              .whereRef("shows.id", "=", "offers.show_id")
              .where((s) =>
                s.or([s("shows.status", "in", AFTER_SHOW), s.and([s("shows.status", "in", ON_AIR), s("offers.sells_only_while_pinned", "=", false)])]),
              ),
          ),
        ]),
      )
      .where("closed_at", "is", null)
      .where("starts_at", "<=", now)
      .where("ends_at", ">", now)
      .returning(["id", "show_id", "remaining", "show_price", "currency", "per_buyer_limit", "vat_rate_bp", "stock_version"])
      .executeTakeFirst()
  );
}

/**
 * The offers' units left and per-buyer limits, each row locked until commit, taken in offer-id order (the order every
 * multi-offer writer locks them in). A read under the lock only decides how a tick of bags splits the units; the take
 * is still takeOnSale's conditional UPDATE.
 */
export function lockOffers(tx: Tx, offerIds: readonly string[]) {
  return (
    tx
      .selectFrom("offers")
      .select(["id", "remaining", "per_buyer_limit"])
      .where("id", "=", sql<string>`any(${textArrayLiteral(offerIds)}::text[])`)
      // Byte order, as the orders module sorts offer ids in JS (a locale's collation could order them otherwise).
      .orderBy(sql`id collate "C"`)
      .forUpdate()
      .execute()
  );
}

/**
 * Why takeOnSale took nothing: the offer's state (undefined: no such offer), whether its show is over (the replay
 * sells it) and whether it is live (it sells unpinned unless `sells_only_while_pinned`).
 */
export async function offerState(tx: Tx, offerId: string) {
  const o = await tx
    .selectFrom("offers")
    .select(["show_id", "pinned", "closed_at", "starts_at", "ends_at", "remaining", "stock_version", "sells_only_while_pinned"])
    .where("id", "=", offerId)
    .executeTakeFirst();
  if (!o) return undefined;
  const status = o.pinned ? null : (await tx.selectFrom("shows").select("status").where("id", "=", o.show_id).executeTakeFirst())?.status;
  const afterShow = !!status && (AFTER_SHOW as string[]).includes(status);
  const onAir = !!status && (ON_AIR as string[]).includes(status);
  return { ...o, afterShow, onAir };
}

/**
 * Takes units held by the offer itself whatever its sale state, except from a closed offer made from a variant (its
 * units went back to the variant when it closed). The mirror of returnToOffer.
 */
export function takeFromOffer(tx: Tx, offerId: string, quantity: number) {
  return tx
    .updateTable("offers")
    .set({ remaining: sql<number>`remaining - ${quantity}`, stock_version: sql<number>`stock_version + 1` })
    .where("id", "=", offerId)
    .where("remaining", ">=", quantity)
    .where((eb) => eb.or([eb("closed_at", "is", null), eb("variant_id", "is", null)]))
    .returning(["show_id", "remaining", "stock_version"])
    .executeTakeFirst();
}

/** Puts units back on the offer, unless it is a closed offer made from a variant (those go to the variant). */
export function returnToOffer(tx: Tx, offerId: string, quantity: number) {
  return tx
    .updateTable("offers")
    .set({ remaining: sql<number>`remaining + ${quantity}`, stock_version: sql<number>`stock_version + 1` })
    .where("id", "=", offerId)
    .where((eb) => eb.or([eb("closed_at", "is", null), eb("variant_id", "is", null)]))
    .returning(["show_id", "remaining", "stock_version"])
    .executeTakeFirst();
}

export function offerStockOwner(tx: Tx, offerId: string) {
  return tx.selectFrom("offers").select(["variant_id", "closed_at", "remaining"]).where("id", "=", offerId).executeTakeFirstOrThrow();
}

/** Closed offers made from a variant with units unsold: their `remaining` goes back to the variant. */
export function unsoldOfVariantOffers(tx: Tx, offerIds: string[]) {
  return tx
    .selectFrom("offers")
    .select(["id", "variant_id", "remaining"])
    .where("id", "in", offerIds)
    .where("variant_id", "is not", null)
    .where("remaining", ">", 0)
    .execute();
}

export async function emptyOffer(tx: Tx, offerId: string): Promise<void> {
  await tx.updateTable("offers").set({ remaining: 0, stock_version: sql<number>`stock_version + 1` }).where("id", "=", offerId).execute();
}

export function takeFromVariant(tx: Tx, variantId: string, quantity: number) {
  return tx
    .updateTable("product_variants")
    .set({ stock: sql<number>`stock - ${quantity}` })
    .where("id", "=", variantId)
    .where("archived_at", "is", null)
    .where("stock", ">=", quantity)
    .returning("stock")
    .executeTakeFirst();
}

export function variantState(tx: Tx, variantId: string) {
  return tx.selectFrom("product_variants").select(["stock", "archived_at"]).where("id", "=", variantId).executeTakeFirst();
}

/** Back on the variant's shelf; answers its stock (0 for nothing returned or no such variant). */
export async function returnToVariant(tx: Tx, variantId: string, quantity: number): Promise<number> {
  if (quantity <= 0) return 0;
  const row = await tx
    .updateTable("product_variants")
    .set({ stock: sql<number>`stock + ${quantity}` })
    .where("id", "=", variantId)
    .returning("stock")
    .executeTakeFirst();
  return row?.stock ?? 0;
}

/** A mystery pool item's units; the caller knows the item has them (it holds the pool's row lock). */
export function takeFromMysteryItem(tx: Tx, itemId: string, quantity: number) {
  return tx
    .updateTable("mystery_pool_items")
    .set({ remaining: sql<number>`remaining - ${quantity}` })
    .where("id", "=", itemId)
    .where("remaining", ">=", quantity)
    .returning("remaining")
    .executeTakeFirstOrThrow();
}

/** Back to a mystery pool item, never above the quantity it was stocked with. */
export function returnToMysteryItem(tx: Tx, itemId: string, quantity: number) {
  return tx
    .updateTable("mystery_pool_items")
    .set({ remaining: sql<number>`remaining + ${quantity}` })
    .where("id", "=", itemId)
    .where(sql<number>`remaining + ${quantity}`, "<=", sql<number>`quantity`)
    .returning("remaining")
    .executeTakeFirstOrThrow();
}
