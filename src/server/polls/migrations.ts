import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const pollsMigrations: Migration[] = [
  {
    id: 51,
    name: "polls: 2-6 options, one vote per account, stored results, audit log",
    sql: `
create table polls (
  id text primary key,
  show_id text not null references shows(id),
  question text not null,
  hidden_results boolean not null,
  duration_ms integer,
  pin_show_price bigint,
  pin_quantity integer,
  pin_duration_seconds integer,
  status text not null check (status in ('draft', 'open', 'closed')),
  winner_option_id text,
  pinned_offer_id text,
  created_by text not null references accounts(id),
  created_at timestamptz not null,
  opened_at timestamptz,
  closes_at timestamptz,
  closed_at timestamptz
);
create index polls_show_idx on polls (show_id, created_at);
create index polls_due_idx on polls (status, closes_at);

create table poll_options (
  id text primary key,
  poll_id text not null references polls(id),
  position integer not null,
  label text not null,
  product_id text references products(id),
  votes integer
);
create index poll_options_poll_idx on poll_options (poll_id, position);

create table poll_votes (
  poll_id text not null references polls(id),
  account_id text not null references accounts(id),
  option_id text not null references poll_options(id),
  created_at timestamptz not null,
  primary key (poll_id, account_id)
);
create index poll_votes_option_idx on poll_votes (option_id);

create table poll_audit (
  seq bigserial primary key,
  poll_id text not null references polls(id),
  type text not null,
  account_id text,
  data text not null,
  at timestamptz not null
);
create index poll_audit_idx on poll_audit (poll_id, seq);
`,
  },
];
