// Numbered migrations. Each is plain SQL that runs unchanged on PGlite and PostgreSQL.
// Money columns are bigint minor units; bigint is parsed to a JS number (see db/index.ts).
export const migrations: { id: number; name: string; sql: string }[] = [
  {
    id: 1,
    name: "foundation",
    sql: `
create table merchants (
  id text primary key,
  name text not null,
  created_at timestamptz not null
);

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

create table products (
  id text primary key,
  merchant_id text not null references merchants(id),
  title text not null,
  description text not null default '',
  image_url text not null default '',
  price bigint not null check (price >= 0),
  currency text not null,
  created_at timestamptz not null
);
create index products_merchant_idx on products (merchant_id);

create table shows (
  id text primary key,
  merchant_id text not null references merchants(id),
  host_account_id text not null references accounts(id),
  slug text not null unique,
  title text not null,
  status text not null check (status in ('scheduled', 'live', 'offline', 'ended')),
  stream_key text not null unique,
  commission_rate_bp integer not null check (commission_rate_bp between 0 and 10000),
  scheduled_at timestamptz,
  created_at timestamptz not null
);

create table offers (
  id text primary key,
  show_id text not null references shows(id),
  product_id text not null references products(id),
  title text not null,
  description text not null,
  image_url text not null,
  list_price bigint not null,
  show_price bigint not null check (show_price >= 0),
  currency text not null,
  quantity integer not null check (quantity > 0),
  remaining integer not null check (remaining >= 0 and remaining <= quantity),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  pinned boolean not null default false,
  closed_at timestamptz,
  created_at timestamptz not null
);
create index offers_show_idx on offers (show_id);

create table orders (
  id text primary key,
  offer_id text not null references offers(id),
  show_id text not null references shows(id),
  quantity integer not null check (quantity > 0),
  unit_price bigint not null,
  total bigint not null,
  currency text not null,
  buyer_name text not null,
  buyer_email text not null,
  shipping text not null,
  status text not null check (status in ('pending_payment', 'paid', 'payment_failed')),
  payment_ref text,
  idempotency_key text not null unique,
  request_hash text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index orders_show_idx on orders (show_id);
create index orders_offer_idx on orders (offer_id);

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
    id: 2,
    name: "recordings and offer pin events",
    sql: `
create table recordings (
  id text primary key,
  show_id text not null references shows(id),
  status text not null check (status in ('recording', 'ready', 'failed')),
  started_at timestamptz not null,
  ended_at timestamptz,
  duration_ms integer,
  path text not null,
  has_poster boolean not null default false,
  has_preview boolean not null default false
);
create index recordings_show_idx on recordings (show_id, started_at);

create table offer_pin_events (
  id text primary key,
  show_id text not null references shows(id),
  offer_id text not null references offers(id),
  pinned boolean not null,
  at timestamptz not null
);
create index offer_pin_events_show_idx on offer_pin_events (show_id, at);
`,
  },
  {
    id: 3,
    name: "simulcast destinations",
    sql: `
create table simulcast_destinations (
  id text primary key,
  show_id text not null references shows(id),
  name text not null,
  url text not null,
  stream_key_enc text not null,
  stream_key_hint text not null,
  enabled boolean not null default true,
  created_at timestamptz not null
);
create index simulcast_destinations_show_idx on simulcast_destinations (show_id);
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

create table outbox (
  id text primary key,
  topic text not null,
  payload text not null,
  created_at timestamptz not null,
  available_at timestamptz not null,
  attempts integer not null default 0,
  processed_at timestamptz,
  last_error text
);
create index outbox_pending_idx on outbox (available_at) where processed_at is null;
`,
  },
  {
    id: 7,
    name: "order holds",
    sql: `
alter table orders add column hold_expires_at timestamptz;
alter table orders add column payment_lock_until timestamptz;
alter table orders drop constraint if exists orders_status_check;
alter table orders add constraint orders_status_check check (status in ('pending_payment', 'paid', 'payment_failed', 'expired', 'cancelled'));
create index orders_hold_idx on orders (hold_expires_at) where status = 'pending_payment';
`,
  },
  {
    id: 5,
    name: "show status reconnecting",
    sql: `
alter table shows drop constraint if exists shows_status_check;
alter table shows add constraint shows_status_check check (status in ('scheduled', 'live', 'reconnecting', 'offline', 'ended'));
`,
  },
  {
    id: 8,
    name: "order lifecycle, history, gifts, commission reversals",
    sql: `
alter table orders drop constraint if exists orders_status_check;
alter table orders add constraint orders_status_check check (status in ('pending_payment', 'paid', 'payment_failed', 'expired', 'cancelled', 'fulfilled', 'delivered', 'refunded'));
alter table orders add column gift text;
alter table orders add column carrier text;
alter table orders add column tracking_number text;
alter table orders add column refunded_quantity integer not null default 0;
alter table orders add column refunded_amount bigint not null default 0;
alter table orders add constraint orders_refund_bounds check (refunded_quantity between 0 and quantity and refunded_amount between 0 and total);

create table order_events (
  id text primary key,
  seq bigserial not null,
  order_id text not null references orders(id),
  type text not null,
  data text not null,
  at timestamptz not null
);
create index order_events_order_idx on order_events (order_id, at);

alter table ledger_entries drop constraint if exists ledger_entries_kind_check;
alter table ledger_entries add constraint ledger_entries_kind_check check (kind in ('commission', 'commission_reversal'));
alter table ledger_entries add column refund_id text;
alter table ledger_entries drop constraint if exists ledger_entries_order_id_kind_key;
create unique index ledger_commission_once on ledger_entries (order_id) where kind = 'commission';
create unique index ledger_reversal_once on ledger_entries (refund_id) where refund_id is not null;
`,
  },
  {
    id: 11,
    name: "per-buyer limits, saved buyer details",
    sql: `
alter table offers add column per_buyer_limit integer check (per_buyer_limit is null or per_buyer_limit > 0);
alter table orders add column account_id text references accounts(id);
alter table orders add column card_fingerprint text;

create table buyer_addresses (
  account_id text primary key references accounts(id),
  name text not null,
  line1 text not null,
  line2 text,
  postal_code text not null,
  city text not null,
  country text not null,
  updated_at timestamptz not null
);

create table buyer_payment_methods (
  account_id text primary key references accounts(id),
  brand text not null,
  last4 text not null,
  fingerprint text not null,
  token text not null,
  created_at timestamptz not null
);
`,
  },
  {
    id: 12,
    name: "waitlists",
    sql: `
create table waitlist_entries (
  id text primary key,
  seq bigserial not null,
  offer_id text not null references offers(id),
  email text not null,
  account_id text references accounts(id),
  status text not null check (status in ('waiting', 'offered', 'claimed', 'lapsed', 'left')),
  order_id text references orders(id),
  created_at timestamptz not null,
  offered_at timestamptz
);
create unique index waitlist_once on waitlist_entries (offer_id, email) where status in ('waiting', 'offered');
create index waitlist_queue on waitlist_entries (offer_id, seq) where status = 'waiting';
create index waitlist_order on waitlist_entries (order_id) where order_id is not null;
`,
  },
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
  {
    id: 13,
    name: "catalog: VAT rates, variants with stock, product images; VAT on offers and orders",
    sql: `
alter table products add column vat_rate_bp integer not null default 1900 check (vat_rate_bp between 0 and 3000);
alter table products add column image_id text;
alter table products add column archived_at timestamptz;

create table product_variants (
  id text primary key,
  product_id text not null references products(id),
  merchant_id text not null references merchants(id),
  sku text not null,
  size text not null default '',
  colour text not null default '',
  stock integer not null check (stock >= 0),
  created_at timestamptz not null,
  archived_at timestamptz
);
create unique index product_variants_sku_key on product_variants (merchant_id, lower(sku));
create index product_variants_product_idx on product_variants (product_id);

alter table offers add column variant_id text references product_variants(id);
alter table offers add column vat_rate_bp integer not null default 0;
update offers set vat_rate_bp = (select p.vat_rate_bp from products p where p.id = offers.product_id);
alter table orders add column vat_rate_bp integer not null default 0;
update orders set vat_rate_bp = (select o.vat_rate_bp from offers o where o.id = orders.offer_id);
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
    id: 15,
    name: "offer stock version (orders stock events), domain events through the outbox",
    sql: `
alter table offers add column stock_version bigint not null default 0;
create index outbox_topic_pending_idx on outbox (topic) where processed_at is null;
`,
  },
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
    id: 20,
    name: "a signed-in buyer's orders (account page)",
    sql: `
create index orders_account_idx on orders (account_id, created_at) where account_id is not null;
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
    id: 50,
    name: "giveaways: commit-reveal seed, one entry per account, append-only audit log",
    sql: `
create table giveaways (
  id text primary key,
  show_id text not null references shows(id),
  title text not null,
  keyword text,
  winner_count integer not null check (winner_count between 1 and 50),
  allowed_countries text,
  require_adult boolean not null,
  duration_ms integer,
  status text not null check (status in ('draft', 'open', 'closed', 'drawn', 'cancelled')),
  seed_hex text not null,
  commitment text not null,
  list_hash text,
  winners text,
  created_by text not null references accounts(id),
  created_at timestamptz not null,
  opened_at timestamptz,
  closes_at timestamptz,
  closed_at timestamptz,
  drawn_at timestamptz
);
create index giveaways_show_idx on giveaways (show_id, created_at);
create index giveaways_due_idx on giveaways (status, closes_at);

create table giveaway_entries (
  id text primary key,
  giveaway_id text not null references giveaways(id),
  account_id text not null references accounts(id),
  display_name text not null,
  country text,
  country_source text,
  adult_confirmed boolean not null,
  via text not null check (via in ('button', 'chat')),
  created_at timestamptz not null
);
create unique index giveaway_entries_once on giveaway_entries (giveaway_id, account_id);

create table giveaway_audit (
  seq bigserial primary key,
  giveaway_id text not null references giveaways(id),
  type text not null,
  account_id text,
  data text not null,
  at timestamptz not null
);
create index giveaway_audit_idx on giveaway_audit (giveaway_id, seq);
`,
  },
  {
    id: 51,
    name: "polls: 2-6 options, one vote per account, stored results, audit log",
    sql: `
create table polls (
  id text primary key,
  show_id text not null references shows(id),
  question text not null,
  hidden_results boolean not null,
  duration_ms integer,
  pin_show_price bigint,
  pin_quantity integer,
  pin_duration_seconds integer,
  status text not null check (status in ('draft', 'open', 'closed')),
  winner_option_id text,
  pinned_offer_id text,
  created_by text not null references accounts(id),
  created_at timestamptz not null,
  opened_at timestamptz,
  closes_at timestamptz,
  closed_at timestamptz
);
create index polls_show_idx on polls (show_id, created_at);
create index polls_due_idx on polls (status, closes_at);

create table poll_options (
  id text primary key,
  poll_id text not null references polls(id),
  position integer not null,
  label text not null,
  product_id text references products(id),
  votes integer
);
create index poll_options_poll_idx on poll_options (poll_id, position);

create table poll_votes (
  poll_id text not null references polls(id),
  account_id text not null references accounts(id),
  option_id text not null references poll_options(id),
  created_at timestamptz not null,
  primary key (poll_id, account_id)
);
create index poll_votes_option_idx on poll_votes (option_id);

create table poll_audit (
  seq bigserial primary key,
  poll_id text not null references polls(id),
  type text not null,
  account_id text,
  data text not null,
  at timestamptz not null
);
create index poll_audit_idx on poll_audit (poll_id, seq);
`,
  },
  {
    id: 55,
    name: "coupon drops: codes with a claim window and claim cap, one claim per account, discounts recorded per order",
    sql: `
create table coupons (
  id text primary key,
  show_id text not null references shows(id),
  code text not null,
  kind text not null check (kind in ('percent', 'fixed')),
  percent_bp integer check (percent_bp between 1 and 10000),
  amount bigint check (amount > 0),
  currency text not null,
  max_claims integer check (max_claims > 0),
  claims integer not null default 0 check (claims >= 0 and (max_claims is null or claims <= max_claims)),
  created_by text not null references accounts(id),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  ended_at timestamptz,
  check ((kind = 'percent' and percent_bp is not null and amount is null) or (kind = 'fixed' and amount is not null and percent_bp is null))
);
create unique index coupons_show_code_key on coupons (show_id, upper(code));

create table coupon_claims (
  coupon_id text not null references coupons(id),
  account_id text not null references accounts(id),
  claimed_at timestamptz not null,
  order_id text references orders(id),
  primary key (coupon_id, account_id)
);

create table order_discounts (
  order_id text primary key references orders(id),
  coupon_id text not null references coupons(id),
  code text not null,
  kind text not null,
  percent_bp integer,
  gross bigint not null check (gross >= 0),
  amount bigint not null check (amount >= 0 and amount <= gross),
  currency text not null,
  created_at timestamptz not null
);
create index order_discounts_coupon_idx on order_discounts (coupon_id);
`,
  },
  {
    id: 56,
    name: "mystery items: pools with committed seeds, odds versions, stock per item, append-only draws, 18+ switch",
    sql: `
create table mystery_settings (
  merchant_id text primary key references merchants(id),
  adult_only boolean not null,
  updated_at timestamptz not null
);

create table mystery_pools (
  id text primary key,
  show_id text not null references shows(id),
  offer_id text not null unique references offers(id),
  title text not null,
  seed_hex text not null,
  commitment text not null,
  odds_version integer not null default 1,
  created_by text not null references accounts(id),
  created_at timestamptz not null,
  closed_at timestamptz
);
create index mystery_pools_show_idx on mystery_pools (show_id, created_at);

create table mystery_pool_items (
  id text primary key,
  pool_id text not null references mystery_pools(id),
  position integer not null,
  product_id text not null references products(id),
  variant_id text references product_variants(id),
  title text not null,
  image_url text not null,
  odds_bp integer not null check (odds_bp between 1 and 10000),
  quantity integer not null check (quantity > 0),
  remaining integer not null check (remaining >= 0 and remaining <= quantity),
  unique (pool_id, position)
);

create table mystery_odds_versions (
  pool_id text not null references mystery_pools(id),
  version integer not null,
  items text not null,
  created_at timestamptz not null,
  primary key (pool_id, version)
);

create table mystery_draws (
  seq bigserial primary key,
  pool_id text not null references mystery_pools(id),
  order_id text not null references orders(id),
  unit integer not null check (unit >= 0),
  item_id text not null references mystery_pool_items(id),
  odds_version integer not null,
  ticket integer not null,
  hmac text not null,
  drawn_at timestamptz not null,
  unique (order_id, unit)
);
create index mystery_draws_pool_idx on mystery_draws (pool_id, seq);

create table mystery_age_confirmations (
  order_id text primary key references orders(id),
  pool_id text not null references mystery_pools(id),
  confirmed_at timestamptz not null
);
`,
  },
  {
    id: 57,
    name: "mystery items: a drawn unit refunded before shipping goes back to the pool (append-only returns)",
    sql: `
create table mystery_returns (
  draw_seq bigint primary key references mystery_draws(seq),
  pool_id text not null references mystery_pools(id),
  order_id text not null references orders(id),
  unit integer not null,
  item_id text not null references mystery_pool_items(id),
  refund_id text not null,
  odds_version integer not null,
  returned_at timestamptz not null
);
create index mystery_returns_pool_idx on mystery_returns (pool_id);
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
  {
    id: 60,
    name: "orders: the placing client's keyed device or address hash, for per-buyer limits of guests",
    sql: `
alter table orders add column client_key text;
create index orders_offer_client_idx on orders (offer_id, client_key) where client_key is not null;
`,
  },
];
