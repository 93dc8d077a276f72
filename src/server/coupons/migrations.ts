import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const couponsMigrations: Migration[] = [
  {
    id: 55,
    name: "coupon drops: codes with a claim window and claim cap, one claim per account, discounts recorded per order",
    sql: `
create table coupons (
  id text primary key,
  show_id text not null references shows(id),
  code text not null,
  kind text not null check (kind in ('percent', 'fixed')),
  percent_bp integer check (percent_bp between 1 and 10000),
  amount bigint check (amount > 0),
  currency text not null,
  max_claims integer check (max_claims > 0),
  claims integer not null default 0 check (claims >= 0 and (max_claims is null or claims <= max_claims)),
  created_by text not null references accounts(id),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  ended_at timestamptz,
  check ((kind = 'percent' and percent_bp is not null and amount is null) or (kind = 'fixed' and amount is not null and percent_bp is null))
);
create unique index coupons_show_code_key on coupons (show_id, upper(code));

create table coupon_claims (
  coupon_id text not null references coupons(id),
  account_id text not null references accounts(id),
  claimed_at timestamptz not null,
  order_id text references orders(id),
  primary key (coupon_id, account_id)
);

create table order_discounts (
  order_id text primary key references orders(id),
  coupon_id text not null references coupons(id),
  code text not null,
  kind text not null,
  percent_bp integer,
  gross bigint not null check (gross >= 0),
  amount bigint not null check (amount >= 0 and amount <= gross),
  currency text not null,
  created_at timestamptz not null
);
create index order_discounts_coupon_idx on order_discounts (coupon_id);
`,
  },
];
