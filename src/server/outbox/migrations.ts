import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const outboxMigrations: Migration[] = [
  {
    id: 6,
    name: "buyer accounts, password resets, outbox",
    sql: `
create table outbox (
  id text primary key,
  topic text not null,
  payload text not null,
  created_at timestamptz not null,
  available_at timestamptz not null,
  attempts integer not null default 0,
  processed_at timestamptz,
  last_error text
);
create index outbox_pending_idx on outbox (available_at) where processed_at is null;
`,
  },
  {
    id: 15,
    name: "offer stock version (orders stock events), domain events through the outbox",
    sql: `
create index outbox_topic_pending_idx on outbox (topic) where processed_at is null;
`,
  },
];
