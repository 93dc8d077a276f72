import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const recordingsMigrations: Migration[] = [
  {
    id: 2,
    name: "recordings and offer pin events",
    sql: `
create table recordings (
  id text primary key,
  show_id text not null references shows(id),
  status text not null check (status in ('recording', 'ready', 'failed')),
  started_at timestamptz not null,
  ended_at timestamptz,
  duration_ms integer,
  path text not null,
  has_poster boolean not null default false,
  has_preview boolean not null default false
);
create index recordings_show_idx on recordings (show_id, started_at);
`,
  },
  {
    id: 104,
    name: "recordings: when a poster and preview were last attempted, so one cut short by a shutdown is made at the next start",
    // Rows that have either already had their attempt; the others (never attempted, or cut short) get one at start.
    sql: `
alter table recordings add column derivatives_at timestamptz;
update recordings set derivatives_at = coalesce(ended_at, started_at) where status = 'ready' and (has_poster or has_preview);
`,
  },
];
