import type { ColumnType } from "kysely";
import type { Timestamp } from "../db/column-types.js";

// The transactional outbox: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
export interface OutboxTables {
  outbox: {
    id: string;
    topic: string;
    payload: string;
    created_at: Timestamp;
    available_at: Timestamp;
    attempts: ColumnType<number, number | undefined, number>;
    processed_at: Timestamp | null;
    last_error: string | null;
  };
}
