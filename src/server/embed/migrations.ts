import type { Migration } from "../db/migration.js";

// This module's part of each migration (ids are global; db/migrations.ts runs the parts of one id together).
export const embedMigrations: Migration[] = [
  {
    id: 95,
    name: "embed origins",
    sql: `
create table embed_origins (
  merchant_id text not null references merchants(id),
  origin text not null,
  created_at timestamptz not null,
  primary key (merchant_id, origin)
);
`,
  },
];
