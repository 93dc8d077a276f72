import type { Migration } from "../db/migration.js";

// This module's part of each migration (ids are global; db/migrations.ts runs the parts of one id together). No
// foreign keys: events outlive nothing they point at, and retention deletes by time alone.
export const analyticsMigrations: Migration[] = [
  {
    id: 97,
    name: "analytics",
    sql: `
create table analytics_events (
  id bigint generated always as identity primary key,
  show_id text not null,
  merchant_id text not null,
  at timestamptz not null,
  kind text not null check (kind in ('pin', 'unpin', 'checkout', 'hold', 'paid', 'refund', 'report_mailed')),
  offer_id text,
  order_id text,
  quantity integer not null default 0,
  amount bigint not null default 0,
  buyer_key text,
  source text check (source in ('live', 'replay', 'share', 'embed'))
);
create index analytics_events_show on analytics_events (show_id, at);
create index analytics_events_buyer on analytics_events (merchant_id, buyer_key, at) where kind = 'paid';
create index analytics_events_at on analytics_events (at);
create index analytics_events_order on analytics_events (order_id) where order_id is not null;
create table analytics_minutes (
  show_id text not null,
  minute timestamptz not null,
  metric text not null check (metric in ('impressions', 'checkouts', 'holds', 'paid', 'units', 'gmv', 'refunds', 'refunded', 'chat', 'reactions', 'watch_ms', 'stalled_ms', 'startup_ms', 'startup_n', 'delay_ms', 'delay_n')),
  offer_id text not null default '',
  value bigint not null,
  primary key (show_id, minute, metric, offer_id)
);
create index analytics_minutes_minute on analytics_minutes (minute);
create table analytics_viewer_samples (
  show_id text not null,
  at timestamptz not null,
  node_id text not null,
  viewers integer not null,
  primary key (show_id, at, node_id)
);
create index analytics_viewer_samples_at on analytics_viewer_samples (at);
create table analytics_viewers (
  show_id text not null,
  viewer_key text not null,
  first_at timestamptz not null,
  source text not null check (source in ('live', 'replay', 'share', 'embed')),
  primary key (show_id, viewer_key)
);
create index analytics_viewers_first_at on analytics_viewers (first_at);
`,
  },
  {
    id: 99,
    name: "analytics_orders",
    // Paid orders show-wide (a bag was counted as one order of its first offer; now each line counts for its own
    // offer and the order once here). Until now every order was one `paid` row, so their sum is the orders. Every
    // report query of events names a kind: the show's index leads with it (pins read 12 rows, not the show's 15,000);
    // the buyers index carries the show, so "bought in another show before" is answered from the index alone.
    sql: `
alter table analytics_minutes drop constraint analytics_minutes_metric_check;
alter table analytics_minutes add constraint analytics_minutes_metric_check check (metric in ('orders', 'impressions', 'checkouts', 'holds', 'paid', 'units', 'gmv', 'refunds', 'refunded', 'chat', 'reactions', 'watch_ms', 'stalled_ms', 'startup_ms', 'startup_n', 'delay_ms', 'delay_n'));
insert into analytics_minutes (show_id, minute, metric, offer_id, value)
  select show_id, minute, 'orders', '', sum(value) from analytics_minutes where metric = 'paid' group by show_id, minute;
drop index analytics_events_show;
create index analytics_events_show_kind on analytics_events (show_id, kind, at);
drop index analytics_events_buyer;
create index analytics_events_buyer on analytics_events (merchant_id, buyer_key, at) include (show_id) where kind = 'paid';
`,
  },
];
