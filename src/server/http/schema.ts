import type { Timestamp } from "../db/column-types.js";

// Stored answers of creating POSTs (Idempotency-Key): the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface HttpTables {
  /** The first answer to a creating POST, by (account or "anonymous", Idempotency-Key); null status while it runs. */
  idempotency_requests: {
    scope: string;
    key: string;
    request_hash: string;
    status_code: number | null;
    content_type: string | null;
    body: string | null;
    created_at: Timestamp;
  };
}
