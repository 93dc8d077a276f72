import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const offersMigrations: Migration[] = [
  {
    id: 1,
    name: "foundation",
    sql: `
create table offers (
  id text primary key,
  show_id text not null references shows(id),
  product_id text not null references products(id),
  title text not null,
  description text not null,
  image_url text not null,
  list_price bigint not null,
  show_price bigint not null check (show_price >= 0),
  currency text not null,
  quantity integer not null check (quantity > 0),
  remaining integer not null check (remaining >= 0 and remaining <= quantity),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  pinned boolean not null default false,
  closed_at timestamptz,
  created_at timestamptz not null
);
create index offers_show_idx on offers (show_id);
`,
  },
  {
    id: 2,
    name: "recordings and offer pin events",
    sql: `
create table offer_pin_events (
  id text primary key,
  show_id text not null references shows(id),
  offer_id text not null references offers(id),
  pinned boolean not null,
  at timestamptz not null
);
create index offer_pin_events_show_idx on offer_pin_events (show_id, at);
`,
  },
  {
    id: 11,
    name: "per-buyer limits, saved buyer details",
    sql: `
alter table offers add column per_buyer_limit integer check (per_buyer_limit is null or per_buyer_limit > 0);
`,
  },
  {
    id: 13,
    name: "catalog: VAT rates, variants with stock, product images; VAT on offers and orders",
    sql: `
alter table offers add column variant_id text references product_variants(id);
alter table offers add column vat_rate_bp integer not null default 0;
update offers set vat_rate_bp = (select p.vat_rate_bp from products p where p.id = offers.product_id);
`,
  },
  {
    id: 15,
    name: "offer stock version (orders stock events), domain events through the outbox",
    sql: `
alter table offers add column stock_version bigint not null default 0;
`,
  },
  {
    id: 62,
    name: "show set-up: shops' details, team memberships, show details and line-ups",
    sql: `
alter table offers add column sells_only_while_pinned boolean not null default false;

create table lineup_items (
  id text primary key,
  show_id text not null references shows(id),
  product_id text not null references products(id),
  variant_id text references product_variants(id),
  show_price bigint not null check (show_price >= 0),
  quantity integer not null check (quantity between 1 and 1000000),
  per_buyer_limit integer check (per_buyer_limit between 1 and 1000),
  start_pinned boolean not null default false,
  sells_only_while_pinned boolean not null default false,
  duration_seconds integer not null default 14400 check (duration_seconds between 10 and 604800),
  position integer not null,
  offer_id text references offers(id),
  created_at timestamptz not null
);
create index lineup_items_show_idx on lineup_items (show_id, position);
create unique index lineup_items_offer_key on lineup_items (offer_id);
`,
  },
];
