import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const buyersMigrations: Migration[] = [
  {
    id: 11,
    name: "per-buyer limits, saved buyer details",
    sql: `
create table buyer_addresses (
  account_id text primary key references accounts(id),
  name text not null,
  line1 text not null,
  line2 text,
  postal_code text not null,
  city text not null,
  country text not null,
  updated_at timestamptz not null
);

create table buyer_payment_methods (
  account_id text primary key references accounts(id),
  brand text not null,
  last4 text not null,
  fingerprint text not null,
  token text not null,
  created_at timestamptz not null
);
`,
  },
  {
    id: 70,
    name: "saved cards with the payment provider's customer",
    // Cards saved before this were saved with the built-in test provider (Stripe could not save cards).
    sql: `
create table buyer_payment_customers (
  account_id text not null references accounts(id),
  provider text not null,
  customer_ref text not null,
  created_at timestamptz not null,
  primary key (account_id, provider)
);

alter table buyer_payment_methods add column provider text not null default 'test';
alter table buyer_payment_methods add column customer_ref text;
`,
  },
];
