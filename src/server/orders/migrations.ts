import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const ordersMigrations: Migration[] = [
  {
    id: 1,
    name: "foundation",
    sql: `
create table orders (
  id text primary key,
  offer_id text not null references offers(id),
  show_id text not null references shows(id),
  quantity integer not null check (quantity > 0),
  unit_price bigint not null,
  total bigint not null,
  currency text not null,
  buyer_name text not null,
  buyer_email text not null,
  shipping text not null,
  status text not null check (status in ('pending_payment', 'paid', 'payment_failed')),
  payment_ref text,
  idempotency_key text not null unique,
  request_hash text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index orders_show_idx on orders (show_id);
create index orders_offer_idx on orders (offer_id);
`,
  },
  {
    id: 7,
    name: "order holds",
    sql: `
alter table orders add column hold_expires_at timestamptz;
alter table orders add column payment_lock_until timestamptz;
alter table orders drop constraint if exists orders_status_check;
alter table orders add constraint orders_status_check check (status in ('pending_payment', 'paid', 'payment_failed', 'expired', 'cancelled'));
create index orders_hold_idx on orders (hold_expires_at) where status = 'pending_payment';
`,
  },
  {
    id: 8,
    name: "order lifecycle, history, gifts, commission reversals",
    sql: `
alter table orders drop constraint if exists orders_status_check;
alter table orders add constraint orders_status_check check (status in ('pending_payment', 'paid', 'payment_failed', 'expired', 'cancelled', 'fulfilled', 'delivered', 'refunded'));
alter table orders add column gift text;
alter table orders add column carrier text;
alter table orders add column tracking_number text;
alter table orders add column refunded_quantity integer not null default 0;
alter table orders add column refunded_amount bigint not null default 0;
alter table orders add constraint orders_refund_bounds check (refunded_quantity between 0 and quantity and refunded_amount between 0 and total);

create table order_events (
  id text primary key,
  seq bigserial not null,
  order_id text not null references orders(id),
  type text not null,
  data text not null,
  at timestamptz not null
);
create index order_events_order_idx on order_events (order_id, at);
`,
  },
  {
    id: 11,
    name: "per-buyer limits, saved buyer details",
    sql: `
alter table orders add column account_id text references accounts(id);
alter table orders add column card_fingerprint text;
`,
  },
  {
    id: 13,
    name: "catalog: VAT rates, variants with stock, product images; VAT on offers and orders",
    sql: `
alter table orders add column vat_rate_bp integer not null default 0;
update orders set vat_rate_bp = (select o.vat_rate_bp from offers o where o.id = orders.offer_id);
`,
  },
  {
    id: 20,
    name: "a signed-in buyer's orders (account page)",
    sql: `
create index orders_account_idx on orders (account_id, created_at) where account_id is not null;
`,
  },
  {
    id: 60,
    name: "orders: the placing client's keyed device or address hash, for per-buyer limits of guests",
    sql: `
alter table orders add column client_key text;
create index orders_offer_client_idx on orders (offer_id, client_key) where client_key is not null;
`,
  },
  {
    id: 66,
    name: "orders: bags of several offers of one show in one order (order lines)",
    // An order of one offer keeps it in its own columns (offer_id, quantity, unit_price) and has no lines: every order
    // written before this migration stays valid as it is. A bag's lines are rows here; the order's columns then hold
    // the first line's offer and price, the units of all lines, and the total of all lines.
    sql: `
alter table orders add column line_count integer not null default 1 check (line_count between 1 and 20);
create table order_lines (
  order_id text not null references orders(id),
  line_no integer not null check (line_no >= 1),
  offer_id text not null references offers(id),
  quantity integer not null check (quantity > 0),
  unit_price bigint not null check (unit_price >= 0),
  vat_rate_bp integer not null,
  primary key (order_id, line_no)
);
create index order_lines_offer_idx on order_lines (offer_id);
`,
  },
  {
    id: 73,
    name: "documents: the buyer's and the host's language for emails and statements",
    sql: `
alter table orders add column lang text not null default 'en' check (lang in ('de', 'en'));
`,
  },
  {
    id: 103,
    name: "orders and ledger: no per-row foreign key check that the order's own keys already make",
    // An order's show is its offer's (orders.offer_id and offers.show_id keep their keys). Nothing deletes a show, an
    // offer or an order. Each foreign key is a locking lookup per inserted row (~7 µs each on PGlite, measured in
    // docs/operations.md). Old code runs on the new schema unchanged: nodes may be upgraded one by one across it.
    sql: `
alter table orders drop constraint if exists orders_show_id_fkey;
`,
  },
];
