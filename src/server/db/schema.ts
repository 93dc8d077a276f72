import type { ColumnType } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface Database {
  merchants: { id: string; name: string; created_at: Timestamp };
  accounts: {
    id: string;
    email: string;
    password_hash: string;
    display_name: string;
    role: "host" | "merchant" | "admin";
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
    status: "scheduled" | "live" | "offline" | "ended";
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
    status: "pending_payment" | "paid" | "payment_failed";
    payment_ref: string | null;
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
    kind: "commission";
    amount: number;
    currency: string;
    rate_bp: number;
    created_at: Timestamp;
  };
  chat_messages: { id: string; show_id: string; author: string; role: string; text: string; created_at: Timestamp };
  schema_migrations: { id: number; name: string; applied_at: Timestamp };
}
