import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const auctionsMigrations: Migration[] = [
  {
    id: 45,
    name: "auctions: auctions, bids (each bidder's secret maximum), append-only audit log",
    sql: `
create table auctions (
  id text primary key,
  show_id text not null references shows(id),
  product_id text not null references products(id),
  variant_id text,
  offer_id text not null references offers(id),
  title text not null,
  image_url text not null,
  currency text not null,
  start_price bigint not null check (start_price >= 0),
  min_increment bigint not null check (min_increment > 0),
  duration_ms integer not null check (duration_ms > 0),
  soft_close_ms integer not null check (soft_close_ms >= 0),
  hold_ms integer not null check (hold_ms > 0),
  status text not null check (status in ('scheduled', 'live', 'awarded', 'sold', 'unsold', 'cancelled')),
  starts_at timestamptz,
  ends_at timestamptz,
  current_price bigint not null,
  leader_account_id text references accounts(id),
  leader_name text,
  leader_max bigint,
  bid_count integer not null default 0,
  version integer not null default 0,
  award_rank integer not null default 0,
  award_account_id text references accounts(id),
  award_order_id text references orders(id),
  award_price bigint,
  award_name text,
  created_by text not null references accounts(id),
  created_at timestamptz not null,
  closed_at timestamptz
);
create index auctions_show_idx on auctions (show_id, created_at);
create index auctions_due_idx on auctions (status, ends_at);

create table auction_bids (
  id text primary key,
  seq bigserial not null,
  auction_id text not null references auctions(id),
  account_id text not null references accounts(id),
  bidder_name text not null,
  bidder_email text not null,
  max_amount bigint not null check (max_amount > 0),
  pre_bid boolean not null,
  idempotency_key text not null,
  created_at timestamptz not null
);
create unique index auction_bids_key on auction_bids (auction_id, account_id, idempotency_key);
create index auction_bids_rank on auction_bids (auction_id, max_amount desc, seq);

create table auction_events (
  id text primary key,
  seq bigserial not null,
  auction_id text not null references auctions(id),
  type text not null,
  account_id text,
  amount bigint,
  reason text,
  data text not null,
  at timestamptz not null
);
create index auction_events_auction_idx on auction_events (auction_id, seq);
`,
  },
  {
    id: 101,
    name: "auctions: an accepted bid is its bid_accepted audit row (auction_bids folded into auction_events)",
    // One row per accepted bid instead of two (a bid row and its audit row): the audit row carries what awarding and
    // idempotency read. Rows already written keep their order; a bid without its audit row (never written that way)
    // is appended rather than lost.
    sql: `
alter table auction_events add column bidder_name text;
alter table auction_events add column bidder_email text;
alter table auction_events add column idempotency_key text;
update auction_events e set bidder_name = b.bidder_name, bidder_email = b.bidder_email, idempotency_key = b.idempotency_key
  from auction_bids b where e.type = 'bid_accepted' and e.auction_id = b.auction_id and b.id = e.data::jsonb ->> 'bidId';
insert into auction_events (id, auction_id, type, account_id, amount, reason, data, at, bidder_name, bidder_email, idempotency_key)
  select 'aev_' || b.id, b.auction_id, 'bid_accepted', b.account_id, b.max_amount, null,
    json_build_object('bidId', b.id, 'preBid', b.pre_bid, 'migrated', true)::text, b.created_at, b.bidder_name, b.bidder_email, b.idempotency_key
  from auction_bids b
  where not exists (select 1 from auction_events e where e.type = 'bid_accepted' and e.auction_id = b.auction_id and e.data::jsonb ->> 'bidId' = b.id)
  order by b.seq;
alter table auction_events add constraint auction_events_bid_check
  check (type <> 'bid_accepted' or (account_id is not null and amount > 0 and bidder_name is not null and bidder_email is not null and idempotency_key is not null));
create unique index auction_events_bid_key on auction_events (auction_id, account_id, idempotency_key) where type = 'bid_accepted';
drop table auction_bids;
`,
  },
  {
    id: 102,
    name: "auctions: audit rows without a foreign key check per row (auctions are never deleted)",
    // Every accepted bid is an auction_events row, written by a tick that has just read and locked its auction in the
    // same transaction; the foreign key's check (a lookup per row, in a trigger) was ~12 % of a bid's server CPU on
    // PGlite (auction bench, 2026-12-06, docs/operations.md). No code path deletes an auction. Old code runs on the
    // new schema unchanged, so nodes may be upgraded one by one across this migration.
    sql: `
alter table auction_events drop constraint auction_events_auction_id_fkey;
`,
  },
];
