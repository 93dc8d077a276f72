import type { Timestamp } from "../db/column-types.js";

// Web Push: the server's VAPID key pair and the browsers' push subscriptions. db/schema.ts composes these into
// `Database`.
export interface PushTables {
  /** One row (id 1): the VAPID key pair every node signs with, so all nodes agree (RFC 8292). */
  push_vapid_keys: {
    id: number;
    /** base64url of the uncompressed P-256 public key (the browser's applicationServerKey). */
    public_key: string;
    /** The private key (base64url of the 32-byte scalar), sealed with the secrets key (SecretBox, AES-256-GCM). */
    private_key_sealed: string;
    created_at: Timestamp;
  };
  /** A browser's PushSubscription, owned by an account or by a guest's reminder (exactly one of the two). */
  push_subscriptions: {
    id: string;
    /** The push service's URL for this browser (RFC 8030); a capability: whoever knows it can address the browser. */
    endpoint: string;
    /** base64url of the browser's P-256 public key and RFC 8291 auth secret: what the payload is encrypted to. */
    p256dh: string;
    auth: string;
    account_id: string | null;
    /** The reminders module's reminder id (a guest's "Remind me"); not a foreign key: that table is not ours. */
    reminder_id: string | null;
    lang: "de" | "en" | null;
    created_at: Timestamp;
  };
}
