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
];
