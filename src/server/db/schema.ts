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
    /** Grows with every change of `remaining`: orders offer.updated events that may arrive out of order. */
    stock_version: ColumnType<number, number | undefined, number>;
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
    /** Keyed hash of the placing client's device id, else its address: per-buyer limits for anonymous holds. */
    client_key: ColumnType<string | null, string | null | undefined, string | null>;
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
  /** Merchant commission rules, one row per version (append-only); `rules` null = retired (back to the show's rate). */
  commission_rule_sets: { id: string; merchant_id: string; version: number; rules: string | null; created_by: string | null; created_at: Timestamp };
  /** Co-hosts of a show and their share of its commission (basis points summing to 10 000). */
  show_hosts: { show_id: string; account_id: string; share_bp: number };
  host_share_codes: { code: string; show_id: string; account_id: string; created_at: Timestamp };
  /** Which show, host(s), source and rule version an order belongs to; `hosts` is JSON [{accountId, shareBp}]. */
  order_attributions: {
    order_id: string;
    show_id: string;
    merchant_id: string;
    source: "live" | "replay" | "link";
    ref_code: string | null;
    ref_at: Timestamp | null;
    hosts: string;
    rule_version: number;
    created_at: Timestamp;
  };
  /** Double-entry commission ledger: a transaction's postings sum to zero per currency. Append-only (trigger). */
  ledger_transactions: {
    id: string;
    kind: "commission" | "reversal" | "mature" | "payout";
    merchant_id: string;
    order_id: string | null;
    refund_id: string | null;
    payout_id: string | null;
    rule_version: number | null;
    rate_bp: number | null;
    fixed_per_unit: number | null;
    matures_at: Timestamp | null;
    memo: ColumnType<string, string | undefined, string>;
    created_at: Timestamp;
  };
  ledger_postings: {
    id: string;
    transaction_id: string;
    /** host:<id>:pending|available|paid, merchant:<id>:commission_expense … */
    account: string;
    host_account_id: string | null;
    merchant_id: string;
    show_id: string | null;
    order_id: string | null;
    amount: number;
    currency: string;
    created_at: Timestamp;
  };
  /** View: balance per account and currency, summed from postings. */
  ledger_balances: { account: string; currency: string; balance: number; postings: number };
  host_payout_accounts: { account_id: string; holder_name: string; iban: string | null; bic: string | null; stripe_account_id: string | null; updated_at: Timestamp };
  merchant_payout_settings: { merchant_id: string; debtor_name: string; iban: string; bic: string; updated_at: Timestamp };
  /** The monthly payout run of a merchant: the row is the claim (one per merchant and month, whichever node inserts it). */
  payout_schedule_runs: {
    merchant_id: string;
    month: string;
    status: "running" | "done" | "failed";
    claimed_by: string;
    claimed_at: Timestamp;
    attempts: ColumnType<number, number | undefined, number>;
    finished_at: Timestamp | null;
    result: string | null;
  };
  payouts: {
    id: string;
    merchant_id: string;
    host_account_id: string;
    currency: string;
    amount: number;
    method: "sepa" | "stripe";
    status: "pending" | "sent" | "failed";
    period_start: Timestamp | null;
    period_end: Timestamp;
    batch_id: string;
    external_ref: string | null;
    created_at: Timestamp;
  };
  /** View over ledger_postings (host side of commission and reversal transactions), kept for older readers. */
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
  chat_messages: {
    id: string;
    show_id: string;
    author: string;
    role: string;
    text: string;
    created_at: Timestamp;
    /** Who wrote it, for moderation (never sent to clients): account, client device id, keyed hash of the address. */
    account_id: ColumnType<string | null, string | null | undefined, string | null>;
    device_id: ColumnType<string | null, string | null | undefined, string | null>;
    client_key: ColumnType<string | null, string | null | undefined, string | null>;
    deleted_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  };
  chat_settings: {
    show_id: string;
    slow_mode_seconds: number;
    mode: "everyone" | "signed_in" | "buyers";
    links_allowed: boolean;
    pinned_id: string | null;
    pinned_text: string | null;
    pinned_author: string | null;
    pinned_at: Timestamp | null;
    updated_at: Timestamp;
  };
  /** Appointed by email (lower-case): applies to the account with that email, whenever it exists. */
  chat_moderator_appointments: { id: string; show_id: string; email: string; appointed_by: string; created_at: Timestamp };
  chat_restrictions: {
    id: string;
    merchant_id: string;
    /** null: every show of the merchant (bans). */
    show_id: string | null;
    kind: "ban" | "timeout";
    subject_type: "account" | "device" | "ip";
    subject: string;
    label: string;
    reason: string;
    expires_at: Timestamp | null;
    created_by: string;
    created_at: Timestamp;
    lifted_at: Timestamp | null;
  };
  chat_word_rules: { merchant_id: string; word: string; action: "block" | "allow"; created_at: Timestamp };
  chat_reports: {
    id: string;
    show_id: string;
    message_id: string;
    reporter: string;
    reason: string;
    status: "open" | "dismissed" | "actioned";
    created_at: Timestamp;
    resolved_at: Timestamp | null;
    resolved_by: string | null;
  };
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
  signup_verifications: { token_hash: string; email: string; display_name: string; password_hash: string; created_at: Timestamp; expires_at: Timestamp; used_at: Timestamp | null };
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
  /** Provably fair giveaways: seed_hex stays secret until the draw; commitment = sha256(seed) is public from the start. */
  giveaways: {
    id: string;
    show_id: string;
    title: string;
    keyword: string | null;
    winner_count: number;
    /** Comma-separated ISO 3166 codes; null: every country. */
    allowed_countries: string | null;
    require_adult: boolean;
    duration_ms: number | null;
    status: "draft" | "open" | "closed" | "drawn" | "cancelled";
    seed_hex: string;
    commitment: string;
    list_hash: string | null;
    /** JSON array of winning entry ids in draw order. */
    winners: string | null;
    created_by: string;
    created_at: Timestamp;
    opened_at: Timestamp | null;
    closes_at: Timestamp | null;
    closed_at: Timestamp | null;
    drawn_at: Timestamp | null;
  };
  giveaway_entries: { id: string; giveaway_id: string; account_id: string; display_name: string; country: string | null; country_source: string | null; adult_confirmed: boolean; via: "button" | "chat"; created_at: Timestamp };
  /** Append-only: open, entry, close, draw (with the revealed seed). */
  giveaway_audit: { seq: ColumnType<number, never, never>; giveaway_id: string; type: string; account_id: string | null; data: string; at: Timestamp };
  polls: {
    id: string;
    show_id: string;
    question: string;
    hidden_results: boolean;
    duration_ms: number | null;
    /** "Which product next?": the winning product becomes an offer with these terms at close (null: no pin). */
    pin_show_price: number | null;
    pin_quantity: number | null;
    pin_duration_seconds: number | null;
    status: "draft" | "open" | "closed";
    winner_option_id: string | null;
    pinned_offer_id: string | null;
    created_by: string;
    created_at: Timestamp;
    opened_at: Timestamp | null;
    closes_at: Timestamp | null;
    closed_at: Timestamp | null;
  };
  /** `votes` is written at close (the stored result); live counts come from poll_votes. */
  poll_options: { id: string; poll_id: string; position: number; label: string; product_id: string | null; votes: number | null };
  poll_votes: { poll_id: string; account_id: string; option_id: string; created_at: Timestamp };
  poll_audit: { seq: ColumnType<number, never, never>; poll_id: string; type: string; account_id: string | null; data: string; at: Timestamp };
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
  /** Coupon drops (src/server/coupons): percent (basis points) or a fixed amount off, claimable until expires_at. */
  coupons: {
    id: string;
    show_id: string;
    code: string;
    kind: "percent" | "fixed";
    percent_bp: number | null;
    amount: number | null;
    currency: string;
    /** The first `max_claims` claims win (null: no cap); `claims` counts them. */
    max_claims: number | null;
    claims: ColumnType<number, number | undefined, number>;
    created_by: string;
    created_at: Timestamp;
    expires_at: Timestamp;
    ended_at: Timestamp | null;
  };
  /** One claim per account and coupon; order_id is the order that used it (a failed or lapsed order frees it). */
  coupon_claims: { coupon_id: string; account_id: string; claimed_at: Timestamp; order_id: string | null };
  /** The discount an order got: its total is gross − amount. Commission and VAT are computed on that total. */
  order_discounts: {
    order_id: string;
    coupon_id: string;
    code: string;
    kind: "percent" | "fixed";
    percent_bp: number | null;
    gross: number;
    amount: number;
    currency: string;
    created_at: Timestamp;
  };
  mystery_settings: { merchant_id: string; adult_only: boolean; updated_at: Timestamp };
  /** A mystery pool sells through its own offer; seed_hex stays secret until the pool is closed and settled. */
  mystery_pools: {
    id: string;
    show_id: string;
    offer_id: string;
    title: string;
    seed_hex: string;
    commitment: string;
    odds_version: ColumnType<number, number | undefined, number>;
    created_by: string;
    created_at: Timestamp;
    closed_at: Timestamp | null;
  };
  mystery_pool_items: {
    id: string;
    pool_id: string;
    position: number;
    product_id: string;
    variant_id: string | null;
    title: string;
    image_url: string;
    odds_bp: number;
    quantity: number;
    remaining: number;
  };
  /** The items in stock at each odds version (JSON [{id, oddsBp}] in pool order): what a draw of that version used. */
  mystery_odds_versions: { pool_id: string; version: number; items: string; created_at: Timestamp };
  /** Append-only: one row per drawn unit. */
  mystery_draws: {
    seq: ColumnType<number, never, never>;
    pool_id: string;
    order_id: string;
    unit: number;
    item_id: string;
    odds_version: number;
    ticket: number;
    hmac: string;
    drawn_at: Timestamp;
  };
  mystery_age_confirmations: { order_id: string; pool_id: string; confirmed_at: Timestamp };
  /** Append-only: a drawn unit refunded before shipping, back in the pool (odds_version: the version it opened). */
  mystery_returns: { draw_seq: number; pool_id: string; order_id: string; unit: number; item_id: string; refund_id: string; odds_version: number; returned_at: Timestamp };
}
