import type { CatalogTables } from "../catalog/index.js";
import type { MysteryTables } from "../mystery/index.js";
import type { OffersTables } from "../offers/index.js";
import type { ShowsTables } from "../shows/index.js";

// Inventory owns no table: it is the one writer of the stock columns in other modules' tables.
/**
 * The foreign columns inventory writes and reads, declared (docs/architecture.md, "Declared joins"). Every take is one
 * conditional `UPDATE … WHERE left >= $n RETURNING` in the caller's transaction (the oversell guard), and an offer's
 * on-sale test reads its show's status inside that same statement, so a show that goes off air cannot sell a unit
 * between a check and the take.
 */
export interface InventoryReads {
  offers: Pick<
    OffersTables["offers"],
    | "id"
    | "show_id"
    | "remaining"
    | "stock_version"
    | "show_price"
    | "currency"
    | "per_buyer_limit"
    | "vat_rate_bp"
    | "pinned"
    | "sells_only_while_pinned"
    | "closed_at"
    | "starts_at"
    | "ends_at"
    | "variant_id"
  >;
  product_variants: Pick<CatalogTables["product_variants"], "id" | "stock" | "archived_at">;
  mystery_pool_items: Pick<MysteryTables["mystery_pool_items"], "id" | "remaining" | "quantity">;
  shows: Pick<ShowsTables["shows"], "id" | "status">;
}
