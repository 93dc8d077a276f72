import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const pushMigrations: Migration[] = [
  {
    id: 85,
    name: "web push: VAPID keys and push subscriptions",
    sql: `
create table push_vapid_keys (
  id smallint primary key check (id = 1),
  public_key text not null,
  private_key_sealed text not null,
  created_at timestamptz not null
);
create table push_subscriptions (
  id text primary key,
  endpoint text not null,
  p256dh text not null,
  auth text not null,
  account_id text references accounts(id) on delete cascade,
  reminder_id text,
  lang text check (lang in ('de', 'en')),
  created_at timestamptz not null,
  check ((account_id is null) <> (reminder_id is null))
);
create unique index push_subscriptions_account_endpoint on push_subscriptions (account_id, endpoint) where account_id is not null;
create unique index push_subscriptions_reminder_endpoint on push_subscriptions (reminder_id, endpoint) where reminder_id is not null;
create index push_subscriptions_endpoint on push_subscriptions (endpoint);
`,
  },
];
