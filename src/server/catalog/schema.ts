import type { ColumnType } from "kysely";
import type { Timestamp } from "../db/column-types.js";

// Merchants, their products and variants (with stock): the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface CatalogTables {
  merchants: { id: string; name: string; created_at: Timestamp };
  products: {
    id: string;
    merchant_id: string;
    title: string;
    description: string;
    image_url: string;
    price: number;
    currency: string;
    /** VAT contained in the gross price, in basis points (1900 = 19 %). */
    vat_rate_bp: ColumnType<number, number | undefined, number>;
    /** Uploaded picture: DATA_DIR/media/products/<id>/<image_id>-<width>.webp; image_url then points at it. */
    image_id: ColumnType<string | null, string | null | undefined, string | null>;
    archived_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
    created_at: Timestamp;
  };
  product_variants: {
    id: string;
    product_id: string;
    merchant_id: string;
    sku: string;
    size: string;
    colour: string;
    stock: number;
    created_at: Timestamp;
    archived_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  };
}
