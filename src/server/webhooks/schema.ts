import type { Timestamp } from "../db/column-types.js";
import type { ShowsTables } from "../shows/index.js";

// Outgoing webhook endpoints and their delivery log: the tables this module writes.
// db/schema.ts composes every module's tables into `Database`.
/**
 * The one foreign table webhooks reads, declared (docs/architecture.md, "Declared joins"): a show's merchant. An
 * order's or offer's event finds the merchant's endpoints in one statement inside the transaction of the change.
 */
export interface WebhooksReads {
  shows: Pick<ShowsTables["shows"], "id" | "merchant_id">;
}

export interface WebhooksTables {
  webhook_endpoints: {
    id: string;
    merchant_id: string;
    url: string;
    /** Comma-separated event types. */
    events: string;
    description: string | null;
    /** AES-256-GCM (SecretBox, aad = endpoint id): base64url(iv ‖ tag ‖ ciphertext). */
    secret_enc: string;
    secret_hint: string;
    created_at: Timestamp;
    deleted_at: Timestamp | null;
  };
  webhook_deliveries: {
    id: string;
    endpoint_id: string;
    event_id: string;
    event_type: string;
    attempt: number;
    status_code: number | null;
    response_excerpt: string | null;
    duration_ms: number;
    error: string | null;
    attempted_at: Timestamp;
  };
}
