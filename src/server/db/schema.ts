import type { ColumnType } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface Database {
  /** Incoming Stripe webhook events: claimed before handling, processed_at once handled (each event id once). */
  stripe_events: { id: string; type: string; order_id: string | null; claimed_at: Timestamp; processed_at: Timestamp | null };
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
    /** Units of this variant were reserved for the offer at creation; unsold ones go back when it closes. */
    variant_id: ColumnType<string | null, string | null | undefined, string | null>;
    vat_rate_bp: ColumnType<number, number | undefined, number>;
    created_at: Timestamp;
    /** Units one buyer may hold or buy of this offer (null: no limit). */
    per_buyer_limit: ColumnType<number | null, number | null | undefined, number | null>;
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
    /** The offer's VAT rate when the order was placed (basis points). */
    vat_rate_bp: ColumnType<number, number | undefined, number>;
    idempotency_key: string;
    request_hash: string;
    created_at: Timestamp;
    updated_at: Timestamp;
    /** The signed-in buyer, if any. */
    account_id: ColumnType<string | null, string | null | undefined, string | null>;
    /** Keyed SHA-256 of the card number (never the number): per-buyer limits for guests. */
    card_fingerprint: ColumnType<string | null, string | null | undefined, string | null>;
  };
  buyer_addresses: { account_id: string; name: string; line1: string; line2: string | null; postal_code: string; city: string; country: string; updated_at: Timestamp };
  buyer_payment_methods: { account_id: string; brand: string; last4: string; fingerprint: string; token: string; created_at: Timestamp };
  waitlist_entries: {
    id: string;
    seq: ColumnType<number, never, never>;
    offer_id: string;
    /** Lower-cased. */
    email: string;
    account_id: string | null;
    status: "waiting" | "offered" | "claimed" | "lapsed" | "left";
    /** The timed hold made for this entry when units came back. */
    order_id: string | null;
    created_at: Timestamp;
    offered_at: Timestamp | null;
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
  invites: {
    id: string;
    token_hash: string;
    merchant_id: string;
    email: string;
    role: "host" | "staff";
    invited_by: string;
    created_at: Timestamp;
    expires_at: Timestamp;
    accepted_at: Timestamp | null;
    revoked_at: Timestamp | null;
    account_id: string | null;
  };
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
  auctions: {
    id: string;
    show_id: string;
    product_id: string;
    variant_id: string | null;
    /** A closed offer of quantity 1 carrying the item: the winner's order is placed on it (see placeAwardedOrder). */
    offer_id: string;
    title: string;
    image_url: string;
    currency: string;
    start_price: number;
    min_increment: number;
    duration_ms: number;
    soft_close_ms: number;
    hold_ms: number;
    status: "scheduled" | "live" | "awarded" | "sold" | "unsold" | "cancelled";
    starts_at: Timestamp | null;
    ends_at: Timestamp | null;
    current_price: number;
    leader_account_id: string | null;
    leader_name: string | null;
    /** The leader's secret maximum: never leaves the server. */
    leader_max: number | null;
    bid_count: ColumnType<number, number | undefined, number>;
    version: ColumnType<number, number | undefined, number>;
    award_rank: ColumnType<number, number | undefined, number>;
    award_account_id: string | null;
    award_order_id: string | null;
    award_price: number | null;
    award_name: string | null;
    created_by: string;
    created_at: Timestamp;
    closed_at: Timestamp | null;
  };
  auction_bids: { id: string; seq: ColumnType<number, never, never>; auction_id: string; account_id: string; bidder_name: string; bidder_email: string; max_amount: number; pre_bid: boolean; idempotency_key: string; created_at: Timestamp };
  /** Append-only: every accepted and refused bid and every step of the auction, with the reason. */
  auction_events: { id: string; seq: ColumnType<number, never, never>; auction_id: string; type: string; account_id: string | null; amount: number | null; reason: string | null; data: string; at: Timestamp };
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
