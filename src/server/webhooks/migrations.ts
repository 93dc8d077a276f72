import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const webhooksMigrations: Migration[] = [
  {
    id: 10,
    name: "outgoing webhooks",
    sql: `
create table webhook_endpoints (
  id text primary key,
  merchant_id text not null references merchants(id),
  url text not null,
  events text not null,
  description text,
  secret_enc text not null,
  secret_hint text not null,
  created_at timestamptz not null,
  deleted_at timestamptz
);
create index webhook_endpoints_merchant_idx on webhook_endpoints (merchant_id) where deleted_at is null;

create table webhook_deliveries (
  id text primary key,
  endpoint_id text not null references webhook_endpoints(id),
  event_id text not null,
  event_type text not null,
  attempt integer not null,
  status_code integer,
  response_excerpt text,
  duration_ms integer not null,
  error text,
  attempted_at timestamptz not null
);
create index webhook_deliveries_endpoint_idx on webhook_deliveries (endpoint_id, attempted_at);
`,
  },
];
