import type { ColumnType } from "kysely";
import type { Timestamp } from "../db/column-types.js";

// Merchants, their products and variants (with stock): the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface CatalogTables {
  merchants: {
    id: string;
    name: string;
    /** The shop's public page: /shops/<slug> (made from the name when the shop is created; unique). */
    slug: string;
    created_at: Timestamp;
    legal_name: ColumnType<string, string | undefined, string>;
    address_line1: ColumnType<string, string | undefined, string>;
    address_line2: ColumnType<string, string | undefined, string>;
    postal_code: ColumnType<string, string | undefined, string>;
    city: ColumnType<string, string | undefined, string>;
    /** ISO 3166-1 alpha-2. */
    country: ColumnType<string, string | undefined, string>;
    vat_id: ColumnType<string, string | undefined, string>;
    currency: ColumnType<string, string | undefined, string>;
    /** IANA zone the shop's people enter show times in (stored as UTC). */
    time_zone: ColumnType<string, string | undefined, string>;
    /** Uploaded logo: DATA_DIR/media/merchants/<id>/<image_id>-<width>.webp. */
    logo_image_id: ColumnType<string | null, string | null | undefined, string | null>;
  };
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
