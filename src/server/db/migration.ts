/**
 * One module's part of a numbered migration: plain SQL that runs unchanged on PGlite and PostgreSQL, statements
 * ending in ";" and a newline. `id` and `name` are the migration's, recorded once in schema_migrations.
 */
export interface Migration {
  id: number;
  name: string;
  sql: string;
}
