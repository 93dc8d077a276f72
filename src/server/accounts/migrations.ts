import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const accountsMigrations: Migration[] = [
  {
    id: 1,
    name: "foundation",
    sql: `
create table accounts (
  id text primary key,
  email text not null,
  password_hash text not null,
  display_name text not null,
  role text not null check (role in ('host', 'merchant', 'admin')),
  merchant_id text references merchants(id),
  created_at timestamptz not null
);
create unique index accounts_email_key on accounts (lower(email));

create table sessions (
  token_hash text primary key,
  account_id text not null references accounts(id),
  created_at timestamptz not null,
  expires_at timestamptz not null
);
create index sessions_account_idx on sessions (account_id);
`,
  },
  {
    id: 6,
    name: "buyer accounts, password resets, outbox",
    sql: `
alter table accounts drop constraint if exists accounts_role_check;
alter table accounts add constraint accounts_role_check check (role in ('buyer', 'host', 'merchant', 'staff', 'admin'));

create table password_resets (
  token_hash text primary key,
  account_id text not null references accounts(id),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index password_resets_account_idx on password_resets (account_id);
`,
  },
  {
    id: 14,
    name: "merchant invites",
    sql: `
create table invites (
  id text primary key,
  token_hash text not null unique,
  merchant_id text not null references merchants(id),
  email text not null,
  role text not null check (role in ('host', 'staff')),
  invited_by text not null references accounts(id),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  revoked_at timestamptz,
  account_id text references accounts(id)
);
create index invites_merchant_idx on invites (merchant_id, created_at);
`,
  },
  {
    id: 59,
    name: "sign-up by emailed link; chat moderators appointed by email",
    sql: `
create table signup_verifications (
  token_hash text primary key,
  email text not null,
  display_name text not null,
  password_hash text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index signup_verifications_expires_idx on signup_verifications (expires_at);
`,
  },
  {
    id: 62,
    name: "show set-up: shops' details, team memberships, show details and line-ups",
    sql: `
create table merchant_members (
  account_id text not null references accounts(id),
  merchant_id text not null references merchants(id),
  role text not null check (role in ('merchant', 'staff', 'host')),
  created_at timestamptz not null,
  primary key (account_id, merchant_id)
);
create index merchant_members_merchant_idx on merchant_members (merchant_id, role);
insert into merchant_members (account_id, merchant_id, role, created_at)
  select id, merchant_id, role, created_at from accounts where merchant_id is not null and role in ('merchant', 'staff', 'host');

alter table accounts add column email_verified_at timestamptz;
update accounts set email_verified_at = created_at;

create table email_verifications (
  token_hash text primary key,
  account_id text not null references accounts(id),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index email_verifications_account_idx on email_verifications (account_id);
`,
  },
  {
    id: 73,
    name: "documents: the buyer's and the host's language for emails and statements",
    sql: `
alter table accounts add column lang text check (lang in ('de', 'en'));
alter table signup_verifications add column lang text check (lang in ('de', 'en'));
alter table invites add column lang text check (lang in ('de', 'en'));
`,
  },
];
