import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const mysteryMigrations: Migration[] = [
  {
    id: 56,
    name: "mystery items: pools with committed seeds, odds versions, stock per item, append-only draws, 18+ switch",
    sql: `
create table mystery_settings (
  merchant_id text primary key references merchants(id),
  adult_only boolean not null,
  updated_at timestamptz not null
);

create table mystery_pools (
  id text primary key,
  show_id text not null references shows(id),
  offer_id text not null unique references offers(id),
  title text not null,
  seed_hex text not null,
  commitment text not null,
  odds_version integer not null default 1,
  created_by text not null references accounts(id),
  created_at timestamptz not null,
  closed_at timestamptz
);
create index mystery_pools_show_idx on mystery_pools (show_id, created_at);

create table mystery_pool_items (
  id text primary key,
  pool_id text not null references mystery_pools(id),
  position integer not null,
  product_id text not null references products(id),
  variant_id text references product_variants(id),
  title text not null,
  image_url text not null,
  odds_bp integer not null check (odds_bp between 1 and 10000),
  quantity integer not null check (quantity > 0),
  remaining integer not null check (remaining >= 0 and remaining <= quantity),
  unique (pool_id, position)
);

create table mystery_odds_versions (
  pool_id text not null references mystery_pools(id),
  version integer not null,
  items text not null,
  created_at timestamptz not null,
  primary key (pool_id, version)
);

create table mystery_draws (
  seq bigserial primary key,
  pool_id text not null references mystery_pools(id),
  order_id text not null references orders(id),
  unit integer not null check (unit >= 0),
  item_id text not null references mystery_pool_items(id),
  odds_version integer not null,
  ticket integer not null,
  hmac text not null,
  drawn_at timestamptz not null,
  unique (order_id, unit)
);
create index mystery_draws_pool_idx on mystery_draws (pool_id, seq);

create table mystery_age_confirmations (
  order_id text primary key references orders(id),
  pool_id text not null references mystery_pools(id),
  confirmed_at timestamptz not null
);
`,
  },
  {
    id: 57,
    name: "mystery items: a drawn unit refunded before shipping goes back to the pool (append-only returns)",
    sql: `
create table mystery_returns (
  draw_seq bigint primary key references mystery_draws(seq),
  pool_id text not null references mystery_pools(id),
  order_id text not null references orders(id),
  unit integer not null,
  item_id text not null references mystery_pool_items(id),
  refund_id text not null,
  odds_version integer not null,
  returned_at timestamptz not null
);
create index mystery_returns_pool_idx on mystery_returns (pool_id);
`,
  },
];
