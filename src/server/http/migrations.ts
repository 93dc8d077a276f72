import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const httpMigrations: Migration[] = [
  {
    id: 16,
    name: "stored answers of creating POSTs by Idempotency-Key",
    sql: `
create table idempotency_requests (
  scope text not null,
  key text not null,
  request_hash text not null,
  status_code int,
  content_type text,
  body text,
  created_at timestamptz not null,
  primary key (scope, key)
);
create index idempotency_requests_created_idx on idempotency_requests (created_at);
`,
  },
];
