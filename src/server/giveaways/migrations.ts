import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const giveawaysMigrations: Migration[] = [
  {
    id: 50,
    name: "giveaways: commit-reveal seed, one entry per account, append-only audit log",
    sql: `
create table giveaways (
  id text primary key,
  show_id text not null references shows(id),
  title text not null,
  keyword text,
  winner_count integer not null check (winner_count between 1 and 50),
  allowed_countries text,
  require_adult boolean not null,
  duration_ms integer,
  status text not null check (status in ('draft', 'open', 'closed', 'drawn', 'cancelled')),
  seed_hex text not null,
  commitment text not null,
  list_hash text,
  winners text,
  created_by text not null references accounts(id),
  created_at timestamptz not null,
  opened_at timestamptz,
  closes_at timestamptz,
  closed_at timestamptz,
  drawn_at timestamptz
);
create index giveaways_show_idx on giveaways (show_id, created_at);
create index giveaways_due_idx on giveaways (status, closes_at);

create table giveaway_entries (
  id text primary key,
  giveaway_id text not null references giveaways(id),
  account_id text not null references accounts(id),
  display_name text not null,
  country text,
  country_source text,
  adult_confirmed boolean not null,
  via text not null check (via in ('button', 'chat')),
  created_at timestamptz not null
);
create unique index giveaway_entries_once on giveaway_entries (giveaway_id, account_id);

create table giveaway_audit (
  seq bigserial primary key,
  giveaway_id text not null references giveaways(id),
  type text not null,
  account_id text,
  data text not null,
  at timestamptz not null
);
create index giveaway_audit_idx on giveaway_audit (giveaway_id, seq);
`,
  },
];
