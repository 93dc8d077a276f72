import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const simulcastMigrations: Migration[] = [
  {
    id: 3,
    name: "simulcast destinations",
    sql: `
create table simulcast_destinations (
  id text primary key,
  show_id text not null references shows(id),
  name text not null,
  url text not null,
  stream_key_enc text not null,
  stream_key_hint text not null,
  enabled boolean not null default true,
  created_at timestamptz not null
);
create index simulcast_destinations_show_idx on simulcast_destinations (show_id);
`,
  },
];
