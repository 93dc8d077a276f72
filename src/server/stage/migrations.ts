import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const stageMigrations: Migration[] = [
  // stage_intervals is read by commissions: a co-host's split applies to orders placed while they were on stage.
  {
    id: 98,
    name: "stage: participants, single-use invites, on-stage intervals",
    sql: `
create table stage_participants (
  id text primary key,
  show_id text not null references shows(id),
  account_id text references accounts(id),
  role text not null check (role in ('host', 'cohost', 'guest')),
  display_name text not null,
  state text not null check (state in ('invited', 'waiting', 'on_stage', 'off')),
  muted boolean not null default false,
  token_hash text unique,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index stage_participants_show_idx on stage_participants (show_id, state);
create table stage_invites (
  id text primary key,
  show_id text not null references shows(id),
  role text not null check (role in ('cohost', 'guest')),
  for_account_id text references accounts(id),
  participant_id text references stage_participants(id),
  expires_at timestamptz not null,
  used_by text references accounts(id),
  used_at timestamptz,
  created_by text not null references accounts(id),
  created_at timestamptz not null
);
create index stage_invites_for_idx on stage_invites (show_id, for_account_id);
create table stage_layouts (
  show_id text primary key references shows(id),
  layout text not null check (layout in ('host', 'side_by_side', 'pip')),
  updated_at timestamptz not null
);
create table stage_intervals (
  id text primary key,
  show_id text not null references shows(id),
  participant_id text not null references stage_participants(id),
  account_id text references accounts(id),
  role text not null,
  started_at timestamptz not null,
  ended_at timestamptz
);
create index stage_intervals_show_idx on stage_intervals (show_id, account_id, started_at);
`,
  },
  // A viewer may decline the host's request from the chat: the studio shows it until the host takes it off.
  {
    id: 100,
    name: "stage: a declined request is a participant state",
    sql: `
alter table stage_participants drop constraint stage_participants_state_check;
alter table stage_participants add constraint stage_participants_state_check
  check (state in ('invited', 'waiting', 'on_stage', 'off', 'declined'));
`,
  },
];
