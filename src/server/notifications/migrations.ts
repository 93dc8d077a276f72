import type { Migration } from "../db/migration.js";

// This module's part of each migration (ids are global; see db/migrations.ts).
export const notificationsMigrations: Migration[] = [
  {
    id: 81,
    name: "show reminders and sent notices",
    sql: `
create table show_reminders (
  id text primary key,
  show_id text not null references shows(id) on delete cascade,
  account_id text references accounts(id) on delete cascade,
  email text,
  lang text not null check (lang in ('de', 'en')),
  created_at timestamptz not null,
  check ((account_id is null) <> (email is null))
);
create unique index show_reminders_account_idx on show_reminders (show_id, account_id) where account_id is not null;
create unique index show_reminders_email_idx on show_reminders (show_id, email) where email is not null;
create table notice_sends (
  key text primary key,
  show_id text not null references shows(id) on delete cascade,
  kind text not null check (kind in ('show.starting_soon', 'show.live')),
  created_at timestamptz not null,
  recipients integer not null default 0
);
`,
  },
];
