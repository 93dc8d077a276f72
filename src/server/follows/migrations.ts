import type { Migration } from "../db/migration.js";

// This module's part of each migration (ids are global; see db/migrations.ts).
export const followsMigrations: Migration[] = [
  {
    id: 80,
    name: "follows of hosts and shops",
    sql: `
create table follows (
  id text primary key,
  account_id text not null references accounts(id) on delete cascade,
  target text not null check (target in ('host', 'shop')),
  target_id text not null,
  created_at timestamptz not null,
  unique (account_id, target, target_id)
);
create index follows_target_idx on follows (target, target_id);
`,
  },
];
