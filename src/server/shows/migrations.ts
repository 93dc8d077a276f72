import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const showsMigrations: Migration[] = [
  {
    id: 1,
    name: "foundation",
    sql: `
create table shows (
  id text primary key,
  merchant_id text not null references merchants(id),
  host_account_id text not null references accounts(id),
  slug text not null unique,
  title text not null,
  status text not null check (status in ('scheduled', 'live', 'offline', 'ended')),
  stream_key text not null unique,
  commission_rate_bp integer not null check (commission_rate_bp between 0 and 10000),
  scheduled_at timestamptz,
  created_at timestamptz not null
);
`,
  },
  {
    id: 5,
    name: "show status reconnecting",
    sql: `
alter table shows drop constraint if exists shows_status_check;
alter table shows add constraint shows_status_check check (status in ('scheduled', 'live', 'reconnecting', 'offline', 'ended'));
`,
  },
  {
    id: 62,
    name: "show set-up: shops' details, team memberships, show details and line-ups",
    sql: `
alter table shows add column description text not null default '';
alter table shows add column cover_image_id text;
alter table shows add column language text not null default 'de';
alter table shows add column planned_games jsonb not null default '[]';
alter table shows add column cancelled_at timestamptz;
`,
  },
  {
    id: 96,
    name: "discovery: shop slugs, show categories",
    sql: `
alter table shows add column category text not null default 'other'
  check (category in ('fashion', 'beauty', 'home', 'electronics', 'collectibles', 'food', 'kids', 'sports', 'art', 'other'));
-- GET /api/discover: a section is a status filter read in its sort order (start time, then id: the keyset cursor).
create index shows_discover_idx on shows (status, (coalesce(scheduled_at, created_at)), id);
create index shows_discover_category_idx on shows (category, status, (coalesce(scheduled_at, created_at)), id);
create index shows_merchant_idx on shows (merchant_id);
create index shows_host_idx on shows (host_account_id);
`,
  },
];
