import type { Migration } from "../db/migration.js";

// This module's part of each migration. Ids are global and never reused: a migration that spans modules has a
// part with the same id and name in each of them, and db/migrations.ts runs the parts together.
export const catalogMigrations: Migration[] = [
  {
    id: 1,
    name: "foundation",
    sql: `
create table merchants (
  id text primary key,
  name text not null,
  created_at timestamptz not null
);

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
`,
  },
  {
    id: 62,
    name: "show set-up: shops' details, team memberships, show details and line-ups",
    sql: `
alter table merchants add column legal_name text not null default '';
alter table merchants add column address_line1 text not null default '';
alter table merchants add column address_line2 text not null default '';
alter table merchants add column postal_code text not null default '';
alter table merchants add column city text not null default '';
alter table merchants add column country text not null default 'DE';
alter table merchants add column vat_id text not null default '';
alter table merchants add column currency text not null default 'EUR';
alter table merchants add column time_zone text not null default 'Europe/Berlin';
alter table merchants add column logo_image_id text;
`,
  },
  {
    id: 96,
    name: "discovery: shop slugs, show categories",
    sql: `
alter table merchants add column slug text;
-- The same rule as shopSlugBase (merchants.ts): lower case, common accents folded, every other run of characters one dash.
update merchants set slug = trim(both '-' from regexp_replace(translate(replace(lower(name), 'ß', 'ss'), 'äöüáàâãåéèêëíìîïóòôõúùûçñ', 'aouaaaaaeeeeiiiiooooouuucn'), '[^a-z0-9]+', '-', 'g'));
update merchants set slug = rtrim(left(slug, 50), '-');
update merchants set slug = 'shop' where slug = '';
-- A name taken by an older shop: its slug gets the tail of the shop's id.
update merchants m set slug = m.slug || '-' || regexp_replace(lower(right(m.id, 8)), '[^a-z0-9]', '', 'g')
  where exists (select 1 from merchants o where o.slug = m.slug and o.id < m.id);
alter table merchants alter column slug set not null;
create unique index merchants_slug_key on merchants (slug);
`,
  },
];
