import type { Timestamp } from "../db/column-types.js";

// The sites that may frame a shop's shows (the embeddable player): the table this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface EmbedTables {
  embed_origins: {
    merchant_id: string;
    /** Normalised as browsers send it (protocol/embed.ts normalizeEmbedOrigin): `https://shop.example`. */
    origin: string;
    created_at: Timestamp;
  };
}
