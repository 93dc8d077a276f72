import type { ColumnType } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface Database {
  merchants: { id: string; name: string; created_at: Timestamp };
  accounts: {
    id: string;
    email: string;
    password_hash: string;
    display_name: string;
    role: "buyer" | "host" | "merchant" | "staff" | "admin";
    merchant_id: string | null;
    created_at: Timestamp;
  };
  sessions: { token_hash: string; account_id: string; created_at: Timestamp; expires_at: Timestamp };
  products: {
    id: string;
    merchant_id: string;
    title: string;
    description: string;
    image_url: string;
    price: number;
    currency: string;
    created_at: Timestamp;
  };
  shows: {
    id: string;
    merchant_id: string;
    host_account_id: string;
    slug: string;
    title: string;
    status: "scheduled" | "live" | "reconnecting" | "offline" | "ended";
    stream_key: string;
    commission_rate_bp: number;
    scheduled_at: Timestamp | null;
    created_at: Timestamp;
  };
  offers: {
    id: string;
    show_id: string;
    product_id: string;
    title: string;
    description: string;
    image_url: string;
    list_price: number;
    show_price: number;
    currency: string;
    quantity: number;
    remaining: number;
    starts_at: Timestamp;
    ends_at: Timestamp;
    pinned: boolean;
    closed_at: Timestamp | null;
    created_at: Timestamp;
  };
  orders: {
    id: string;
    offer_id: string;
    show_id: string;
    quantity: number;
    unit_price: number;
    total: number;
    currency: string;
    buyer_name: string;
    buyer_email: string;
    shipping: string;
    status: "pending_payment" | "paid" | "payment_failed" | "expired" | "cancelled" | "fulfilled" | "delivered" | "refunded";
    payment_ref: string | null;
    hold_expires_at: Timestamp | null;
    payment_lock_until: Timestamp | null;
    gift: string | null;
    carrier: string | null;
    tracking_number: string | null;
    refunded_quantity: ColumnType<number, number | undefined, number>;
    refunded_amount: ColumnType<number, number | undefined, number>;
    idempotency_key: string;
    request_hash: string;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  ledger_entries: {
    id: string;
    host_account_id: string;
    show_id: string;
    order_id: string;
    kind: "commission" | "commission_reversal";
    refund_id: string | null;
    amount: number;
    currency: string;
    rate_bp: number;
    created_at: Timestamp;
  };
  chat_messages: { id: string; show_id: string; author: string; role: string; text: string; created_at: Timestamp };
  order_events: { id: string; seq: ColumnType<number, never, never>; order_id: string; type: string; data: string; at: Timestamp };
  password_resets: { token_hash: string; account_id: string; created_at: Timestamp; expires_at: Timestamp; used_at: Timestamp | null };
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
  schema_migrations: { id: number; name: string; applied_at: Timestamp };
  recordings: {
    id: string;
    show_id: string;
    status: "recording" | "ready" | "failed";
    started_at: Timestamp;
    ended_at: Timestamp | null;
    duration_ms: number | null;
    /** Directory relative to the media dir: recordings/<showId>/<recordingId>. */
    path: string;
    has_poster: boolean;
    has_preview: boolean;
  };
  offer_pin_events: { id: string; show_id: string; offer_id: string; pinned: boolean; at: Timestamp };
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
