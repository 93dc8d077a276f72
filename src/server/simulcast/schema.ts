import type { Timestamp } from "../db/column-types.js";

// Simulcast destinations: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface SimulcastTables {
  simulcast_destinations: {
    id: string;
    show_id: string;
    name: string;
    url: string;
    /** AES-256-GCM: base64url(iv ‖ tag ‖ ciphertext). */
    stream_key_enc: string;
    stream_key_hint: string;
    enabled: boolean;
    created_at: Timestamp;
  };
}
