import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const paymentsMigrations: Migration[] = [
  {
    id: 9,
    name: "stripe webhook events (each handled once)",
    sql: `
create table stripe_events (
  id text primary key,
  type text not null,
  order_id text,
  claimed_at timestamptz not null,
  processed_at timestamptz
);
`,
  },
];
