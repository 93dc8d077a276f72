import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const commissionsMigrations: Migration[] = [
  {
    id: 1,
    name: "foundation",
    sql: `
create table ledger_entries (
  id text primary key,
  host_account_id text not null references accounts(id),
  show_id text not null references shows(id),
  order_id text not null references orders(id),
  kind text not null check (kind in ('commission')),
  amount bigint not null,
  currency text not null,
  rate_bp integer not null,
  created_at timestamptz not null,
  unique (order_id, kind)
);
create index ledger_host_idx on ledger_entries (host_account_id);
`,
  },
  {
    id: 8,
    name: "order lifecycle, history, gifts, commission reversals",
    sql: `
alter table ledger_entries drop constraint if exists ledger_entries_kind_check;
alter table ledger_entries add constraint ledger_entries_kind_check check (kind in ('commission', 'commission_reversal'));
alter table ledger_entries add column refund_id text;
alter table ledger_entries drop constraint if exists ledger_entries_order_id_kind_key;
create unique index ledger_commission_once on ledger_entries (order_id) where kind = 'commission';
create unique index ledger_reversal_once on ledger_entries (refund_id) where refund_id is not null;
`,
  },
  {
    id: 35,
    name: "commissions: rule sets, co-hosts, share links, attribution, double-entry ledger",
    sql: `
create table commission_rule_sets (
  id text primary key,
  merchant_id text not null references merchants(id),
  version integer not null check (version > 0),
  rules text,
  created_by text references accounts(id),
  created_at timestamptz not null,
  unique (merchant_id, version)
);

create table show_hosts (
  show_id text not null references shows(id),
  account_id text not null references accounts(id),
  share_bp integer not null check (share_bp between 1 and 10000),
  primary key (show_id, account_id)
);

create table host_share_codes (
  code text primary key,
  show_id text not null references shows(id),
  account_id text not null references accounts(id),
  created_at timestamptz not null,
  unique (show_id, account_id)
);

create table order_attributions (
  order_id text primary key references orders(id),
  show_id text not null references shows(id),
  merchant_id text not null references merchants(id),
  source text not null check (source in ('live', 'replay', 'link')),
  ref_code text,
  ref_at timestamptz,
  hosts text not null,
  rule_version integer not null,
  created_at timestamptz not null
);

create table ledger_transactions (
  id text primary key,
  kind text not null check (kind in ('commission', 'reversal', 'mature', 'payout')),
  merchant_id text not null references merchants(id),
  order_id text references orders(id),
  refund_id text,
  payout_id text,
  rule_version integer,
  rate_bp integer,
  fixed_per_unit integer,
  matures_at timestamptz,
  memo text not null default '',
  created_at timestamptz not null
);
create unique index ledger_tx_commission_once on ledger_transactions (order_id) where kind = 'commission';
create unique index ledger_tx_mature_once on ledger_transactions (order_id) where kind = 'mature';
create unique index ledger_tx_reversal_once on ledger_transactions (refund_id) where kind = 'reversal';
create index ledger_tx_due_idx on ledger_transactions (matures_at) where kind = 'commission';

create table ledger_postings (
  id text primary key,
  transaction_id text not null references ledger_transactions(id),
  account text not null,
  host_account_id text references accounts(id),
  merchant_id text not null references merchants(id),
  show_id text references shows(id),
  order_id text references orders(id),
  amount bigint not null,
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  created_at timestamptz not null
);
create index ledger_postings_tx_idx on ledger_postings (transaction_id);
create index ledger_postings_account_idx on ledger_postings (account, currency);
create index ledger_postings_host_idx on ledger_postings (host_account_id, created_at);
create index ledger_postings_show_idx on ledger_postings (show_id);
create index ledger_postings_order_idx on ledger_postings (order_id);

create function ledger_append_only() returns trigger language plpgsql as $$ begin raise exception 'the commission ledger is append-only'; end $$;
create trigger ledger_transactions_append_only before update or delete on ledger_transactions for each row execute function ledger_append_only();
create trigger ledger_postings_append_only before update or delete on ledger_postings for each row execute function ledger_append_only();

insert into ledger_transactions (id, kind, merchant_id, order_id, refund_id, payout_id, rule_version, rate_bp, matures_at, memo, created_at)
  select 'ltx_' || e.id, case e.kind when 'commission' then 'commission' else 'reversal' end, s.merchant_id, e.order_id,
    coalesce(e.refund_id, case when e.kind = 'commission' then null else e.id end), null, 0, e.rate_bp,
    case when e.kind = 'commission' then e.created_at + interval '14 days' else null end, 'migrated', e.created_at
  from ledger_entries e join shows s on s.id = e.show_id;
insert into ledger_postings (id, transaction_id, account, host_account_id, merchant_id, show_id, order_id, amount, currency, created_at)
  select 'lp_' || e.id || '_h', 'ltx_' || e.id, 'host:' || e.host_account_id || ':pending', e.host_account_id, s.merchant_id, e.show_id, e.order_id, e.amount, e.currency, e.created_at
  from ledger_entries e join shows s on s.id = e.show_id;
insert into ledger_postings (id, transaction_id, account, host_account_id, merchant_id, show_id, order_id, amount, currency, created_at)
  select 'lp_' || e.id || '_m', 'ltx_' || e.id, 'merchant:' || s.merchant_id || ':commission_expense', null, s.merchant_id, e.show_id, e.order_id, -e.amount, e.currency, e.created_at
  from ledger_entries e join shows s on s.id = e.show_id;
drop table ledger_entries;

create view ledger_entries as
  select p.id, p.host_account_id, p.show_id, p.order_id,
    case t.kind when 'commission' then 'commission' else 'commission_reversal' end as kind,
    t.refund_id, p.amount, p.currency, coalesce(t.rate_bp, 0) as rate_bp, p.created_at
  from ledger_postings p join ledger_transactions t on t.id = p.transaction_id
  where t.kind in ('commission', 'reversal') and p.host_account_id is not null;

create view ledger_balances as
  select account, currency, coalesce(sum(amount), 0)::bigint as balance, count(*) as postings
  from ledger_postings group by account, currency;
`,
  },
  {
    id: 36,
    name: "commissions: payout accounts and payouts",
    sql: `
create table host_payout_accounts (
  account_id text primary key references accounts(id),
  holder_name text not null,
  iban text,
  bic text,
  stripe_account_id text,
  updated_at timestamptz not null
);

create table merchant_payout_settings (
  merchant_id text primary key references merchants(id),
  debtor_name text not null,
  iban text not null,
  bic text not null,
  updated_at timestamptz not null
);

create table payouts (
  id text primary key,
  merchant_id text not null references merchants(id),
  host_account_id text not null references accounts(id),
  currency text not null,
  amount bigint not null check (amount > 0),
  method text not null check (method in ('sepa', 'stripe')),
  status text not null check (status in ('pending', 'sent', 'failed')),
  period_start timestamptz,
  period_end timestamptz not null,
  batch_id text not null,
  external_ref text,
  created_at timestamptz not null
);
create index payouts_host_idx on payouts (host_account_id, created_at);
create index payouts_batch_idx on payouts (batch_id);
`,
  },
  {
    id: 58,
    name: "commissions: monthly payout runs, one claim per merchant and month",
    sql: `
create table payout_schedule_runs (
  merchant_id text not null references merchants(id),
  month text not null check (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  status text not null check (status in ('running', 'done', 'failed')),
  claimed_by text not null,
  claimed_at timestamptz not null,
  attempts integer not null default 1,
  finished_at timestamptz,
  result text,
  primary key (merchant_id, month)
);
`,
  },
  {
    id: 72,
    name: "commissions: the pain.001 version of a merchant's SEPA bank file",
    sql: `
alter table merchant_payout_settings add column pain_version text not null default 'pain.001.001.09'
  check (pain_version in ('pain.001.001.09', 'pain.001.001.03'));
`,
  },
  {
    id: 103,
    name: "orders and ledger: no per-row foreign key check that the order's own keys already make",
    // A posting's and an attribution's merchant, show and order are those of the order the same transaction has just
    // read (the ledger transaction keeps its keys to the merchant and the order; attributions keep theirs to the
    // order; postings keep theirs to the ledger transaction and the host). Nothing deletes a merchant, a show or an order.
    // A paid order writes two postings and an attribution: 8 lookups fewer per paid order.
    sql: `
alter table ledger_postings drop constraint if exists ledger_postings_merchant_id_fkey;
alter table ledger_postings drop constraint if exists ledger_postings_show_id_fkey;
alter table ledger_postings drop constraint if exists ledger_postings_order_id_fkey;
alter table order_attributions drop constraint if exists order_attributions_merchant_id_fkey;
alter table order_attributions drop constraint if exists order_attributions_show_id_fkey;
`,
  },
];
