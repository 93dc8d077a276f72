import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const waitlistMigrations: Migration[] = [
  {
    id: 12,
    name: "waitlists",
    sql: `
create table waitlist_entries (
  id text primary key,
  seq bigserial not null,
  offer_id text not null references offers(id),
  email text not null,
  account_id text references accounts(id),
  status text not null check (status in ('waiting', 'offered', 'claimed', 'lapsed', 'left')),
  order_id text references orders(id),
  created_at timestamptz not null,
  offered_at timestamptz
);
create unique index waitlist_once on waitlist_entries (offer_id, email) where status in ('waiting', 'offered');
create index waitlist_queue on waitlist_entries (offer_id, seq) where status = 'waiting';
create index waitlist_order on waitlist_entries (order_id) where order_id is not null;
`,
  },
  {
    id: 73,
    name: "documents: the buyer's and the host's language for emails and statements",
    sql: `
alter table waitlist_entries add column lang text check (lang in ('de', 'en'));
`,
  },
];
