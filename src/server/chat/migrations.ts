import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const chatMigrations: Migration[] = [
  {
    id: 1,
    name: "foundation",
    sql: `
create table chat_messages (
  id text primary key,
  show_id text not null references shows(id),
  author text not null,
  role text not null,
  text text not null,
  created_at timestamptz not null
);
create index chat_show_idx on chat_messages (show_id, created_at);
`,
  },
  {
    id: 25,
    name: "chat moderation: authors, settings, moderators, bans and timeouts, word lists, reports",
    sql: `
alter table chat_messages add column account_id text;
alter table chat_messages add column device_id text;
alter table chat_messages add column client_key text;
alter table chat_messages add column deleted_at timestamptz;
create index chat_messages_account_idx on chat_messages (show_id, account_id) where account_id is not null;

create table chat_settings (
  show_id text primary key references shows(id),
  slow_mode_seconds integer not null default 0 check (slow_mode_seconds between 0 and 3600),
  mode text not null default 'everyone' check (mode in ('everyone', 'signed_in', 'buyers')),
  links_allowed boolean not null default false,
  pinned_id text,
  pinned_text text,
  pinned_author text,
  pinned_at timestamptz,
  updated_at timestamptz not null
);

create table chat_moderators (
  show_id text not null references shows(id),
  account_id text not null references accounts(id),
  appointed_by text not null references accounts(id),
  created_at timestamptz not null,
  primary key (show_id, account_id)
);

create table chat_restrictions (
  id text primary key,
  merchant_id text not null references merchants(id),
  show_id text references shows(id),
  kind text not null check (kind in ('ban', 'timeout')),
  subject_type text not null check (subject_type in ('account', 'device', 'ip')),
  subject text not null,
  label text not null default '',
  reason text not null default '',
  expires_at timestamptz,
  created_by text not null references accounts(id),
  created_at timestamptz not null,
  lifted_at timestamptz
);
create index chat_restrictions_active_idx on chat_restrictions (merchant_id) where lifted_at is null;

create table chat_word_rules (
  merchant_id text not null references merchants(id),
  word text not null,
  action text not null check (action in ('block', 'allow')),
  created_at timestamptz not null,
  primary key (merchant_id, word)
);

create table chat_reports (
  id text primary key,
  show_id text not null references shows(id),
  message_id text not null references chat_messages(id),
  reporter text not null,
  reason text not null,
  status text not null default 'open' check (status in ('open', 'dismissed', 'actioned')),
  created_at timestamptz not null,
  resolved_at timestamptz,
  resolved_by text,
  unique (message_id, reporter)
);
create index chat_reports_open_idx on chat_reports (show_id, created_at) where status = 'open';
`,
  },
  {
    id: 59,
    name: "sign-up by emailed link; chat moderators appointed by email",
    sql: `
create table chat_moderator_appointments (
  id text primary key,
  show_id text not null references shows(id),
  email text not null,
  appointed_by text not null references accounts(id),
  created_at timestamptz not null,
  unique (show_id, email)
);
insert into chat_moderator_appointments (id, show_id, email, appointed_by, created_at)
select 'mod_' || md5(m.show_id || ':' || m.account_id), m.show_id, a.email, m.appointed_by, m.created_at
from chat_moderators m join accounts a on a.id = m.account_id;
drop table chat_moderators;
`,
  },
];
