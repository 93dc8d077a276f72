import { type RawBuilder, sql } from "kysely";
import { integerArrayLiteral, textArrayLiteral } from "./array-literal.js";

/** The SQL type of each column's array (`text`, `bigint`, `timestamptz`…): the arrays are cast to `<type>[]`. */
export type ArrayColumnTypes<R> = { readonly [K in keyof R & string]: string };

const SQL_TYPE = /^[a-z][a-z0-9_ ]*$/;
const SQL_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Several rows in one INSERT that binds one array per column: `insert into t (a, b) select … from unnest($1::text[],
 * $2::bigint[]) with ordinality … order by ord` (inserted in array order, so a serial column follows it). A VALUES
 * list binds every value on its own: a tick of 120 orders binds ~3,000 parameters that Kysely compiles, the driver
 * serialises one by one and the database parses and plans as many expressions; as arrays it is one parameter per
 * column, sent as one array literal (db/array-literal.ts). `tail` follows the SELECT (an `on conflict …`, a
 * `returning …`). Table, column names and types come from code, never from input.
 */
export function insertArrays<R extends Record<string, unknown>, O = unknown>(
  table: string,
  types: ArrayColumnTypes<R>,
  rows: readonly R[],
  tail?: RawBuilder<unknown>,
): RawBuilder<O> {
  const columns = Object.keys(types) as (keyof R & string)[];
  if (!SQL_NAME.test(table)) throw new Error(`insertArrays: table ${table}`);
  for (const c of columns) {
    if (!SQL_NAME.test(c) || !SQL_TYPE.test(types[c])) throw new Error(`insertArrays: column ${c} ${types[c]}`);
  }
  const names = sql.raw(columns.join(", "));
  const arrays = sql.join(columns.map((c) => sql`${arrayLiteral(types[c], rows, c)}::${sql.raw(`${types[c]}[]`)}`));
  return sql<O>`insert into ${sql.raw(table)} (${names})
    select ${sql.raw(columns.map((c) => `a.${c}`).join(", "))}
    from unnest(${arrays}) with ordinality as a(${names}, row_ord)
    order by a.row_ord ${tail ?? sql``}`;
}

const INTEGER_TYPES = new Set(["integer", "int", "bigint", "smallint"]);

/**
 * A column's values as one array literal (db/array-literal.ts): integers as such, everything else quoted text that the
 * cast reads (Dates as ISO strings, booleans as true/false); null and undefined are NULL.
 */
function arrayLiteral<R extends Record<string, unknown>>(type: string, rows: readonly R[], column: keyof R): string {
  if (INTEGER_TYPES.has(type)) return integerArrayLiteral(rows.map((r) => (r[column] ?? null) as number | null));
  return textArrayLiteral(rows.map((r) => asText(r[column])));
}

function asText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw new Error(`insertArrays: a ${typeof v} is not a column value`);
}
